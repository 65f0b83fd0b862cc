"""The plain records every format parser produces, and the problems it reports."""

from dataclasses import dataclass, field
from datetime import date

from ..models import SUBJECT_KINDS
from ..text import normalise, normalised_or_same


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located well enough for a person to fix."""

    path: str
    line: int | None
    field: str
    message: str

    def __str__(self):
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.field}: {self.message}"


class InvalidInput(Exception):
    """The input has problems; nothing was written."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class ReviewerRef:
    name: str
    credentials: str


@dataclass(frozen=True)
class DrugRef:
    brand_name: str
    generic_name: str = ""


@dataclass(frozen=True)
class ConditionRef:
    name: str
    abbreviation: str = ""


@dataclass(frozen=True)
class SupportGroupRef:
    name: str


@dataclass
class SubjectRecord:
    """A drug, condition, reviewer or support group, as its own record (JSON Lines)."""

    kind: str  # one of SUBJECT_KINDS
    path: str
    line: int
    name: str
    fields: dict = field(default_factory=dict)

    def __post_init__(self):
        # Every format stores text as the admin's forms do (monographs.text).
        self.name = normalise(self.name)
        self.fields = {name: normalised_or_same(value) for name, value in self.fields.items()}

    @property
    def key(self):
        return SUBJECT_KINDS[self.kind].key(self.name, self.fields.get("credentials", ""))

    def problem(self, name: str, message: str) -> Problem:
        return Problem(self.path, self.line, name, message)


@dataclass
class ArticleRecord:
    """One answer as read from a file, before it touches the database.

    A field a format does not carry is None and leaves the database as it is
    (the saved-page format, say, has no curated links).
    """

    path: str
    line: int
    question: str
    slug: str
    answer: str
    summary: str = ""
    reviewer: ReviewerRef | None = None
    reviewed_on: date | None = None
    state: str = "draft"
    drugs: list[DrugRef] = field(default_factory=list)
    conditions: list[ConditionRef] = field(default_factory=list)
    external_id: str | None = None
    review_interval_days: int | None = None
    carries_review_interval: bool = True
    sources: list[dict] | None = None  # as monographs.sources.clean keeps them
    support_groups: list[SupportGroupRef] | None = None
    related_questions: list[str] | None = None
    read_next: list[str] | None = None
    # Where each field was read, so a problem names the right line.
    lines: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        # Every format stores text as the admin's forms do (monographs.text).
        self.question, self.answer, self.summary = map(normalise, (self.question, self.answer, self.summary))

    def line_of(self, name: str) -> int:
        """Return the line a field came from, or the record's first line."""
        return self.lines.get(name, self.line)

    def problem(self, name: str, message: str) -> Problem:
        """Return a problem with this record's field `name`."""
        return Problem(self.path, self.line_of(name), name, message)
