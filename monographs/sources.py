"""An answer's sources: what one is, how it is checked, and how readers and machines see it.

An answer keeps its sources as an ordered list of plain objects in its own row
(`Article.sources`), so a revision records them with the rest of its content,
a sign-off publishes them, import and export carry them as they are, and the
answer page needs no extra query. The admin's form, every import format and
the page all go through this module.
"""

import re
from dataclasses import dataclass, replace
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from .text import normalise

# In the order they are stored, exported and shown.
KEYS = ("title", "publisher", "url", "published_on", "accessed_on", "section")
LABELS = {
    "title": "title",
    "publisher": "publisher or author",
    "url": "web address",
    "published_on": "date published",
    "accessed_on": "date accessed",
    "section": "section",
}
MAX_LENGTHS = {"title": 300, "publisher": 200, "url": 500, "section": 100}
_URL = URLValidator(schemes=["http", "https"])


def clean(data) -> tuple[dict, dict[str, str]]:
    """Return one source as stored (text normalised, empty keys left out) and its problems by key.

    Only `title` is required. Dates are ISO dates (2024-03-12); the web address is http or https.
    """
    if not isinstance(data, dict):
        return {}, {"source": "expected an object with a title"}
    problems = {key: "is not a field of a source" for key in data if key not in KEYS}
    source = {}
    for key in KEYS:
        value = data.get(key)
        if value in (None, ""):
            continue
        if isinstance(value, date):
            value = value.isoformat()
        if not isinstance(value, str):
            problems[key] = f"expected text, found {type(value).__name__}"
            continue
        value = normalise(value)
        if "\n" in value:
            problems[key] = "must be one line"
        elif key in MAX_LENGTHS and len(value) > MAX_LENGTHS[key]:
            problems[key] = f"is longer than {MAX_LENGTHS[key]} characters"
        elif key.endswith("_on") and not _is_date(value):
            problems[key] = f"expected a date like 2024-03-12, found {value!r}"
        elif key == "url" and not _is_url(value):
            problems[key] = "is not a web address (http or https)"
        if value:
            source[key] = value
    if "title" not in source and "title" not in problems:
        problems["title"] = "is required"
    return source, problems


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_url(value: str) -> bool:
    try:
        _URL(value)
    except ValidationError:
        return False
    return True


@dataclass(frozen=True)
class Source:
    """A source as a page shows it."""

    title: str
    publisher: str = ""
    url: str = ""
    published_on: date | None = None
    accessed_on: date | None = None
    section: str = ""

    @classmethod
    def from_data(cls, data: dict) -> "Source":
        dates = {key: date.fromisoformat(data[key]) for key in ("published_on", "accessed_on") if data.get(key)}
        source = cls(**{key: data[key] for key in KEYS if key in data and key not in dates} | dates)
        # Only web links reach a page, whatever a row was given outside the form and the importer.
        return source if not source.url or _is_url(source.url) else replace(source, url="")

    def __str__(self):
        """One line for a diff or an e-mail: every part, in a fixed order."""
        parts = [self.title, self.publisher, self.section, self.url]
        if self.published_on:
            parts.append(f"published {self.published_on.isoformat()}")
        if self.accessed_on:
            parts.append(f"accessed {self.accessed_on.isoformat()}")
        return " · ".join(part for part in parts if part)

    def structured_data(self) -> dict:
        """Return schema.org CreativeWork data for the page's `citation`."""
        data = {"@type": "CreativeWork", "name": self.title}
        if self.publisher:
            data["publisher"] = {"@type": "Organization", "name": self.publisher}
        if self.url:
            data["url"] = self.url
        if self.published_on:
            data["datePublished"] = self.published_on.isoformat()
        return data


def shown(sources: list[dict]) -> list[Source]:
    """Return stored sources as the page shows them, in their order."""
    return [Source.from_data(data) for data in sources or []]


# An inline citation as writers type it in Markdown: "[1]", the number of a source in the list.
_CITATION = re.compile(r"\[(\d{1,3})\]")
_TAG = re.compile(r"(<[^>]*>)")
# Text inside these is not prose: a link's words, code.
_NOT_PROSE = {"a", "code", "pre"}


@dataclass
class Cited:
    """An answer's HTML with its citations linked to its sources, and which sources it cites (by number)."""

    html: str
    numbers: list[int]


def link_citations(answer_html: str, count: int) -> Cited:
    """Return `answer_html` (sanitised) with each "[n]" of its prose linked to source n of `count`, and back.

    A number with no source stays as written. Each citation has an id of its own (cite-2, cite-2-2…) and
    the first of each number is where the source's "back" link leads.
    """
    seen: dict[int, int] = {}
    parts, depth = [], 0  # depth: how many links or code elements the text is inside
    for part in _TAG.split(answer_html):
        if part.startswith("<"):
            name = (part.strip("</>").split() or [""])[0].lower()
            if name in _NOT_PROSE:
                depth = max(0, depth - 1) if part.startswith("</") else depth + 1
        elif depth == 0:
            part = _CITATION.sub(lambda match: _citation(match, count, seen), part)
        parts.append(part)
    return Cited("".join(parts), list(seen))


def _citation(match, count: int, seen: dict[int, int]) -> str:
    n = int(match.group(1))
    if not 1 <= n <= count:
        return match.group(0)
    seen[n] = seen.get(n, 0) + 1
    anchor = f"cite-{n}" if seen[n] == 1 else f"cite-{n}-{seen[n]}"
    return (
        f'<sup class="citation"><a href="#source-{n}" id="{anchor}">'
        f'[<span class="visually-hidden">source </span>{n}]</a></sup>'
    )
