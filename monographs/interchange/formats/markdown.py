"""Markdown with front matter: YAML between `---` lines, then the answer; read, and written one file per answer.

---
question: How does Besponsa work?
reviewer: {name: Judith Stewart, credentials: BPharm}
reviewed_on: 2024-03-12
state: published
---
Besponsa (inotuzumab ozogamicin) works to treat ...
"""

import re
from pathlib import Path

import yaml

from ..export import article_records, no_subjects, note_subjects
from ..mapping import from_mapping
from ..records import InvalidInput, Problem
from . import jsonl
from .files import read_text

FENCE = "---"
MAX_FRONT_MATTER = 64 * 1024
_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")


def parse_file(path: Path):
    """Yield the file's one record, or the problems that stop it."""
    name = str(path)
    try:
        text = read_text(path)
    except InvalidInput as unreadable:
        yield from unreadable.problems
        return
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines or lines[0].strip() != FENCE:
        yield Problem(name, 1, "front matter", "expected the file to start with a line “---”")
        return
    try:
        end = next(n for n in range(1, len(lines)) if lines[n].strip() == FENCE)
    except StopIteration:
        yield Problem(name, len(lines), "front matter", "expected a closing line “---” after the front matter")
        return
    front = "\n".join(lines[1:end])
    if len(front) > MAX_FRONT_MATTER:
        yield Problem(name, 2, "front matter", f"is longer than {MAX_FRONT_MATTER} characters")
        return
    try:
        data = yaml.safe_load(front) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 2
        yield Problem(name, line, "front matter", f"is not valid YAML: {getattr(exc, 'problem', None) or exc}")
        return
    positions = {"": 1}
    for number, line in enumerate(lines[1:end], 2):
        if match := _KEY.match(line):
            positions.setdefault(match[1], number)
    record, problems = from_mapping(data, name, positions, answer="\n".join(lines[end + 1 :]).strip("\n"))
    yield from problems
    if record is not None:
        yield record


SUBJECTS_FILE = "subjects.jsonl"


def write(queryset, directory: Path) -> int:
    """Write one SLUG.md per answer (the record as YAML front matter, then the answer), and the subjects they
    name with all their fields in subjects.jsonl, which an import of the directory reads too."""
    directory.mkdir(parents=True, exist_ok=True)
    used, count = no_subjects(), 0
    for record in article_records(queryset):
        note_subjects(record, used)
        answer = record.pop("answer")
        del record["kind"]
        front = yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=1_000_000)
        (directory / f"{record['slug']}.md").write_text(f"---\n{front}---\n{answer}\n", encoding="utf-8")
        count += 1
    with (directory / SUBJECTS_FILE).open("w", encoding="utf-8") as out:
        jsonl.write_subjects(used, out)
    return count
