"""The one validator every format's records pass through before loading."""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug

from ..models import Article, Condition, Drug, Reviewer
from .records import ArticleRecord, Problem


def _max_length(model, name):
    return model._meta.get_field(name).max_length


def validate(records: list[ArticleRecord], *, today: date | None = None) -> list[Problem]:
    """Return every problem in the records; an empty list means they may load."""
    today = today or date.today()
    problems = []
    first_use_of_slug = {}
    for record in records:
        problems += _check_lengths(record)
        if not record.question:
            problems.append(record.problem("question", "is empty"))
        if not record.answer.strip():
            problems.append(record.problem("answer", "is empty"))
        try:
            validate_slug(record.slug)
        except ValidationError:
            problems.append(record.problem("slug", f"“{record.slug}” is not a valid slug"))
        if record.slug in first_use_of_slug:
            other = first_use_of_slug[record.slug]
            problems.append(record.problem("slug", f"“{record.slug}” is also used by {other.path}:{other.line}"))
        first_use_of_slug.setdefault(record.slug, record)
        if record.state not in Article.State.values:
            problems.append(record.problem("state", f"expected one of {', '.join(Article.State.values)}"))
        if record.state == Article.State.PUBLISHED and not (record.reviewer and record.reviewed_on):
            problems.append(record.problem("reviewer", "a published answer needs a reviewer and a review date"))
        if record.reviewed_on and record.reviewed_on > today:
            problems.append(record.problem("reviewed_on", f"{record.reviewed_on:%B %-d, %Y} is in the future"))
    return problems


def _check_lengths(record: ArticleRecord) -> list[Problem]:
    values = [
        ("question", Article, "question", record.question),
        ("slug", Article, "slug", record.slug),
        ("summary", Article, "summary", record.summary),
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
    return [
        record.problem(field, f"{part} is {len(value)} characters long, at most {_max_length(model, part)} fit")
        for field, model, part, value in values
        if len(value) > _max_length(model, part)
    ]
