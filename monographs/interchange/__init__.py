"""Import and export: answers and their subjects to and from files (docs/import-format.md).

run.py is the import pipeline: each format (formats/) reads a file into plain
records (records.py, mapping.py), validate.py checks the whole run, load.py
writes it all or nothing (revisions through editorial.record_revisions, rows
by COPY through monographs/bulk.py, the next batch read ahead by fast/);
editorial.undo_batch undoes a batch. export.py turns answers back into the same
records, which the formats write.
"""
