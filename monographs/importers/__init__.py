"""Import answers from files: parse every file, validate all records, then load.

Each format is a small parser that turns a file into plain records
(`records.ArticleRecord`); one validator checks them and one loader writes
them, all or nothing.
"""

from pathlib import Path

from django.db import transaction

from . import page_text
from .loader import LoadResult, load
from .records import InvalidInput, Problem
from .validate import validate

# File extension → parser. A new format is a new entry here.
PARSERS = {".txt": page_text.parse_file}

__all__ = ["InvalidInput", "LoadResult", "import_paths"]


def expand_paths(paths) -> tuple[list[Path], list[Problem]]:
    """Return the files named by `paths`, searching directories recursively."""
    files, problems = [], []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in PARSERS)
        elif not path.exists():
            problems.append(Problem(str(path), None, "file", "does not exist"))
        elif path.suffix not in PARSERS:
            problems.append(Problem(str(path), None, "file", f"unknown format; expected {', '.join(PARSERS)}"))
        else:
            files.append(path)
    return files, problems


def import_paths(paths, *, dry_run: bool = False) -> LoadResult:
    """Import every file under `paths` in one transaction, or raise InvalidInput."""
    files, problems = expand_paths(paths)
    records = []
    for path in files:
        try:
            records += PARSERS[path.suffix](path)
        except InvalidInput as exc:
            problems += exc.problems
    problems += validate(records)
    if problems:
        raise InvalidInput(problems)
    with transaction.atomic():
        result = load(records)
        if dry_run:
            transaction.set_rollback(True)
    return result
