"""The one validator every format's records pass through before anything is written.

`check_record` looks at one record on its own; `RunCheck` remembers the little
it needs (keys and references) to check the run as a whole once every record
has been read, so memory stays flat however large the files are.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator, validate_slug
from django.db.models import URLField

from ..content import LINK_MODELS
from ..lookups import matching
from ..models import SUBJECT_KINDS, Article, ArticleRedirect, Condition, Drug, Reviewer, SupportGroup
from ..text import single_line_problem, validate_single_line
from .records import ArticleRecord, Problem, SubjectRecord

LINK_FIELDS = tuple(LINK_MODELS)

# A scheduled go-live is a reviewer's sign-off ahead of time, made in the admin: files carry the other states.
IMPORTED_STATES = [state for state in Article.State.values if state != Article.State.SCHEDULED]


def _max_length(model, name):
    return model._meta.get_field(name).max_length


def check_record(record, today: date) -> list[Problem]:
    """Return the problems of one record on its own."""
    if isinstance(record, SubjectRecord):
        return _check_subject(record) + _check_characters(record, [(record.kind, record.name), *record.fields.items()])
    problems = _check_lengths(record) + _check_characters(record, vars(record).items())
    problems += _check_one_line_answer(record)
    if not record.question:
        problems.append(record.problem("question", "is empty"))
    if not record.answer.strip():
        problems.append(record.problem("answer", "is empty"))
    try:
        validate_slug(record.slug)
    except ValidationError:
        problems.append(record.problem("slug", f"“{record.slug}” is not a valid slug"))
    if record.state not in IMPORTED_STATES:
        problems.append(record.problem("state", f"expected one of {', '.join(IMPORTED_STATES)}"))
    if record.state == Article.State.PUBLISHED and not (record.reviewer and record.reviewed_on):
        problems.append(record.problem("reviewer", "a published answer needs a reviewer and a review date"))
    if record.reviewed_on and record.reviewed_on > today:
        problems.append(record.problem("reviewed_on", f"{record.reviewed_on:%B %-d, %Y} is in the future"))
    if record.review_interval_days is not None and record.review_interval_days not in Article.ReviewInterval.values:
        choices = ", ".join(str(v) for v in Article.ReviewInterval.values)
        problems.append(record.problem("review_interval_days", f"expected one of {choices}, or nothing"))
    for name in LINK_FIELDS:
        if record.slug in (getattr(record, name) or []):
            problems.append(record.problem(name, "an answer cannot link to itself"))
        targets = getattr(record, name) or []
        if len(set(targets)) != len(targets):
            problems.append(record.problem(name, "lists the same answer twice"))
    return problems


def _check_characters(record, fields) -> list[Problem]:
    """A NUL character cannot be stored (PostgreSQL refuses it) and is never meant."""
    return [
        record.problem(name, "contains a NUL character (\\x00)")
        for name, value in fields
        if name not in ("path", "lines") and _has_nul(value)
    ]


def _has_nul(value) -> bool:
    """Return whether a text, or any text inside a list or reference, holds a NUL."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, (list, tuple)):
        return any(_has_nul(item) for item in value)
    if hasattr(value, "__dataclass_fields__"):
        return any(_has_nul(item) for item in vars(value).values())
    return False


def _check_one_line_answer(record: ArticleRecord) -> list[Problem]:
    """The question and the names an answer refers to (its reviewer, drugs, conditions, groups) are one line each."""
    values = [("question", record.question)]
    for name in ("reviewer", "drugs", "conditions", "support_groups"):
        refs = getattr(record, name) or []
        for ref in refs if isinstance(refs, list) else [refs]:
            for key, value in vars(ref).items():
                if isinstance(value, str):  # a list is named by the list (a file gives names), the reviewer by key
                    values.append((name if isinstance(refs, list) else f"{name}.{key}", value))
    return [record.problem(name, problem) for name, value in values if (problem := single_line_problem(value))]


def _check_subject(record: SubjectRecord) -> list[Problem]:
    model, name_field = SUBJECT_KINDS[record.kind].model, SUBJECT_KINDS[record.kind].name_field
    problems = []
    for field_name, value in [(name_field, record.name), *record.fields.items()]:
        if isinstance(value, list):
            continue
        field = model._meta.get_field(field_name)
        if field.max_length and len(value) > field.max_length:
            problems.append(
                record.problem(field_name, f"is {len(value)} characters long, at most {field.max_length} fit")
            )
        if validate_single_line in field.validators and (problem := single_line_problem(value)):
            problems.append(record.problem(field_name, problem))
        for validator in field.validators:
            if isinstance(validator, RegexValidator) and value:
                try:
                    validator(value)  # a drug's label set id, its RxCUI: the admin's rule, said the same way
                except ValidationError as error:
                    problems.append(record.problem(field_name, error.messages[0]))
        if isinstance(field, URLField) and value:  # a support group's site, a reviewer's public register
            try:
                URLValidator()(value)
            except ValidationError:
                problems.append(record.problem(field_name, "is not a web address"))
    return problems


def _check_lengths(record: ArticleRecord) -> list[Problem]:
    values = [
        ("question", Article, "question", record.question),
        ("slug", Article, "slug", record.slug),
        ("summary", Article, "summary", record.summary),
        ("external_id", Article, "external_id", record.external_id or ""),
    ]
    if record.reviewer:
        values += [
            ("reviewer", Reviewer, "name", record.reviewer.name),
            ("reviewer", Reviewer, "credentials", record.reviewer.credentials),
        ]
    values += [("drugs", Drug, "brand_name", d.brand_name) for d in record.drugs]
    values += [("drugs", Drug, "generic_name", d.generic_name) for d in record.drugs]
    values += [("conditions", Condition, "name", c.name) for c in record.conditions]
    values += [("conditions", Condition, "abbreviation", c.abbreviation) for c in record.conditions]
    values += [("support_groups", SupportGroup, "name", g.name) for g in record.support_groups or []]
    return [
        record.problem(field, f"{part} is {len(value)} characters long, at most {_max_length(model, part)} fit")
        for field, model, part, value in values
        if len(value) > _max_length(model, part)
    ]


class Link(NamedTuple):
    """A curated link a record makes, remembered until the run's end (a small tuple: runs hold millions)."""

    path: str
    line: int
    field: str
    target: str  # the slug linked to


class Seen(NamedTuple):
    """Where a record with a slug was read, and the external id it gave."""

    path: str
    line: int
    external_id: str | None


@dataclass
class RunCheck:
    """Checks that need the whole run: duplicate keys, and links to answers that must exist."""

    today: date
    problems: list[Problem] = field(default_factory=list)
    slugs: dict[str, Seen] = field(default_factory=dict)
    external_ids: dict = field(default_factory=dict)  # external id -> (path, line)
    subjects: dict = field(default_factory=dict)  # (kind, key) -> (path, line)
    links: list[Link] = field(default_factory=list)

    def add(self, record):
        """Check one record and remember what the run-wide checks need of it."""
        self.problems += check_record(record, self.today)
        if isinstance(record, SubjectRecord):
            where = self.subjects.setdefault((record.kind, record.key), (record.path, record.line))
            if where != (record.path, record.line):
                self.problems.append(record.problem(record.kind, f"“{record.name}” is also defined at {_at(where)}"))
            return
        if record.slug in self.slugs:
            other = self.slugs[record.slug]
            self.problems.append(record.problem("slug", f"“{record.slug}” is also used by {_at(other)}"))
        self.slugs.setdefault(record.slug, Seen(record.path, record.line, record.external_id))
        if record.external_id:
            if record.external_id in self.external_ids:
                where = self.external_ids[record.external_id]
                self.problems.append(
                    record.problem("external_id", f"“{record.external_id}” is also used by {_at(where)}")
                )
            self.external_ids.setdefault(record.external_id, (record.path, record.line))
        for name in LINK_FIELDS:
            for target in getattr(record, name) or []:
                self.links.append(Link(record.path, record.line_of(name), name, target))

    def finish(self) -> list[Problem]:
        """Return every problem of the run, once all records have been added."""
        missing = [link for link in self.links if link.target not in self.slugs]
        targets = {link.target for link in missing}
        existing = {slug for (slug,) in matching(Article.objects.canonical(), "slug", targets, "slug")}
        for link in missing:
            if link.target not in existing:
                self.problems.append(
                    Problem(
                        link.path,
                        link.line,
                        link.field,
                        f"no answer has the slug “{link.target}”, here or in the database",
                    )
                )
        self._check_slugs_taken()
        self._check_slugs_reserved()
        return self.problems

    def answer_keys(self) -> tuple[dict, set]:
        """Return the run's answers (slug -> external id or None), and the link targets outside the run."""
        answers = {slug: seen.external_id for slug, seen in self.slugs.items()}
        return answers, {link.target for link in self.links} - answers.keys()

    def _check_slugs_taken(self):
        """A record must not take the slug of a different answer already in the database."""
        rows = matching(Article.objects.canonical(), "slug", self.slugs, "slug", "external_id")
        for slug, external_id in rows:
            path, line, wanted = self.slugs[slug]
            if wanted and external_id != wanted:
                owner = f"external ID “{external_id}”" if external_id else "no external ID"
                self.problems.append(
                    Problem(path, line, "slug", f"“{slug}” belongs to another answer ({owner}) in the database")
                )

    def _check_slugs_reserved(self):
        """A record must not take an old address that still leads to a different answer (editorial.reserved_by)."""
        redirects = matching(
            ArticleRedirect.objects.all(),
            "old_slug",
            self.slugs,
            "old_slug",
            "article__external_id",
            "article__question",
        )
        for slug, external_id, question in redirects:
            path, line, wanted = self.slugs[slug]
            if not wanted or external_id != wanted:
                self.problems.append(
                    Problem(
                        path,
                        line,
                        "slug",
                        f"“{slug}” is an old address of another answer (“{question}”) and still leads there; "
                        "choose another slug, or release the address in the admin (Article redirects) first",
                    )
                )


def _at(where):
    return f"{where[0]}:{where[1]}"
