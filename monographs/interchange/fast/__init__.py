"""Speed machinery for large imports, behind two small functions: COPY writes and a read-ahead thread."""
