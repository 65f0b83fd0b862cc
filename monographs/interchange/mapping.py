"""Turn one parsed mapping (a JSON line, a front-matter block) into a record.

JSON Lines and Markdown front matter carry the same fields (docs/import-format.md),
so both formats read them here, checking each field's type and naming the
line and field of anything wrong.
"""

from datetime import date

from .. import sources
from ..models import KIND_OF_LIST, NAME_LISTS, SUBJECT_KINDS
from ..slugs import slug_for
from ..text import name_list, name_problem
from .records import (
    ArticleRecord,
    ConditionRef,
    DrugRef,
    Problem,
    ReviewerRef,
    SubjectRecord,
    SupportGroupRef,
)

# An answer record's fields, in the order export writes them (interchange/export.py).
ARTICLE_FIELDS = (
    "kind", "external_id", "slug", "question", "answer", "summary", "state", "reviewer", "reviewed_on",
    "review_interval_days", "sources", "drugs", "conditions", "support_groups", "related_questions", "read_next",
)  # fmt: skip


class _Reader:
    """Read typed fields from a mapping, collecting a problem for each bad one."""

    def __init__(self, data, path, lines):
        self.data, self.path, self.lines, self.problems = data, path, lines, []

    def line(self, name):
        return self.lines.get(name, self.lines.get("", 1))

    def fail(self, name, message):
        self.problems.append(Problem(self.path, self.line(name), name, message))

    def text(self, name, *, required=False, default=""):
        value = self.data.get(name)
        if value is None:
            if required:
                self.fail(name, "is required")
            return default
        if not isinstance(value, str):
            self.fail(name, f"expected text, found {type(value).__name__}")
            return default
        if required and not value.strip():
            self.fail(name, "is empty")
        return value

    def names(self, name):
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(name, "expected a list of names")
            return None
        return [v.strip() for v in value]

    def sources(self, name):
        """Read a list of sources (monographs/sources.py), naming each problem's source and field."""
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, list):
            self.fail(name, "expected a list of sources, each with a title")
            return None
        cleaned = []
        for n, item in enumerate(value, 1):
            source, problems = sources.clean(item)
            for key, message in problems.items():
                self.fail(name, f"source {n}: {sources.LABELS.get(key, key)} {message}")
            cleaned.append(source)
        return cleaned

    def day(self, name):
        value = self.data.get(name)
        if value is None or isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            pass
        self.fail(name, f"expected a date like 2024-03-12, found {value!r}")
        return None

    def whole_number(self, name):
        value = self.data.get(name)
        if value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0):
            return value
        self.fail(name, f"expected a whole number of days, found {value!r}")
        return None

    def unknown(self, allowed):
        for name in self.data:
            if name not in allowed:
                self.fail(str(name), "is not a field of this kind of record")


def from_mapping(data, path: str, lines: dict, *, answer: str | None = None):
    """Return (record or None, problems) for one mapping; `answer` comes from a Markdown body."""
    if not isinstance(data, dict):
        return None, [Problem(path, lines.get("", 1), "record", "expected an object with named fields")]
    kind = data.get("kind", "article")
    if kind != "article" and kind not in SUBJECT_KINDS:
        kinds = ", ".join(["article", *SUBJECT_KINDS])
        return None, [Problem(path, lines.get("kind", lines.get("", 1)), "kind", f"expected one of {kinds}")]
    read = _Reader(data, path, lines)
    record = _article(read, answer) if kind == "article" else _subject(read, kind)
    return (None if read.problems else record), read.problems


def _article(read: _Reader, answer):
    read.unknown(set(ARTICLE_FIELDS) - ({"answer"} if answer is not None else set()))
    question = read.text("question", required=True).strip()
    reviewer = read.data.get("reviewer")
    reviewer_ref = None
    if reviewer is not None:
        if (
            isinstance(reviewer, dict)
            and set(reviewer) <= {"name", "credentials"}
            and isinstance(reviewer.get("name"), str)
            and reviewer["name"].strip()
            and isinstance(reviewer.get("credentials", ""), str)
        ):
            reviewer_ref = ReviewerRef(reviewer["name"].strip(), reviewer.get("credentials", "").strip())
        else:
            read.fail("reviewer", 'expected {"name": ..., "credentials": ...} (credentials may be left out)')
    groups = read.names("support_groups")
    external_id = read.text("external_id", default=None)
    return ArticleRecord(
        path=read.path,
        line=read.line(""),
        question=question,
        slug=read.text("slug") or slug_for(question),
        answer=answer if answer is not None else read.text("answer", required=True),
        summary=read.text("summary"),
        reviewer=reviewer_ref,
        reviewed_on=read.day("reviewed_on"),
        state=read.text("state", default="draft"),
        drugs=[DrugRef(name) for name in read.names("drugs") or []],
        conditions=[ConditionRef(name) for name in read.names("conditions") or []],
        external_id=external_id.strip() or None if external_id else None,
        review_interval_days=read.whole_number("review_interval_days"),
        sources=read.sources("sources"),
        support_groups=None if groups is None else [SupportGroupRef(name) for name in groups],
        related_questions=read.names("related_questions"),
        read_next=read.names("read_next"),
        lines={name: read.line(name) for name in read.data},
    )


def _subject(read: _Reader, kind):
    subject = SUBJECT_KINDS[kind]
    read.unknown({"kind", subject.name_field, *subject.fields})
    name = read.text(subject.name_field, required=True).strip()
    fields = {}
    for field in subject.fields:
        if field in KIND_OF_LIST:
            fields[field] = read.names(field) or []
        elif field in NAME_LISTS:  # a list in the file, one name a line in the database
            others = read.names(field) or []
            for other in others:  # each checked before they are joined, where a line break would pass for two
                if problem := name_problem(other):
                    read.fail(field, problem)
            fields[field] = name_list(others)
        else:
            fields[field] = read.text(field).strip()
    return SubjectRecord(kind=kind, path=read.path, line=read.line(""), name=name, fields=fields)
