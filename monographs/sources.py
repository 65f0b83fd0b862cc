"""An answer's sources: what one is, how it is checked, and how readers and machines see it.

An answer keeps its sources as an ordered list of plain objects in its own row
(`Article.sources`), so a revision records them with the rest of its content,
a sign-off publishes them, import and export carry them as they are, and the
answer page needs no extra query. The admin's form, every import format and
the page all go through this module.
"""

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
