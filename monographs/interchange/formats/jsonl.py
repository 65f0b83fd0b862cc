"""JSON Lines: one record per line (docs/import-format.md), read as a stream, written in export order."""

import json
from pathlib import Path

from ..export import article_records, no_subjects, note_subjects, subject_records
from ..mapping import from_mapping
from ..records import Problem
from .files import read_lines


def parse_file(path: Path):
    """Yield each line's record, or the problems that stop it, without reading the file whole."""
    name = str(path)
    for item in read_lines(path):
        if isinstance(item, Problem):
            yield item
            continue
        number, line = item
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            reason = f"{exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else "too deep"
            yield Problem(name, number, "record", f"is not valid JSON: {reason}")
            continue
        record, problems = from_mapping(data, name, {"": number})
        yield from problems
        if record is not None:
            yield record


def _line(record) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def write(queryset, out) -> int:
    """Write the answers, then the subjects they name, as JSON Lines; return the answers written."""
    used, count = no_subjects(), 0
    for record in article_records(queryset):
        out.write(_line(record))
        count += 1
        note_subjects(record, used)
    write_subjects(used, out)
    return count


def write_subjects(used, out):
    """Write the records of the subjects `used` names (export.note_subjects), and of those they name."""
    for record in subject_records(used):
        out.write(_line(record))
