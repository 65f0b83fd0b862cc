"""Parse JSON Lines: one record per line (docs/import-format.md), read as a stream."""

import json
from pathlib import Path

from .files import read_lines
from .mapping import from_mapping
from .records import Problem


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
