"""Speed machinery for large imports: a thread that prepares the next batch while the database writes this one."""
