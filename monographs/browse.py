"""Browsing A to Z, as readers of drug sites do: drugs by brand and generic name, conditions by name.

Each generic name is an entry of its own, under its own letter, leading to its
drug: a reader looking for "inotuzumab" finds it under I. Letters with no
entries are known in one query, so the letter bar links only to pages with
something on them.
"""

import string
from dataclasses import dataclass

from django.db.models import CharField, F, Value
from django.db.models.functions import Lower, Substr, Upper

from .models import Condition, Drug
from .slugs import url_for_slug

LETTERS = string.ascii_lowercase


@dataclass(frozen=True)
class Entry:
    """One line of an A to Z: a name, the page it leads to, and what it is (a generic name's brand)."""

    name: str
    url: str
    note: str = ""


# Per kind: the model, its page's URL name, and the names it is listed under (field, with the brand beside it?).
KINDS = {
    "drugs": (Drug, "monographs:drug", (("brand_name", False), ("generic_name", True))),
    "conditions": (Condition, "monographs:condition", (("name", False),)),
}


def _parts(kind: str, letter: str | None):
    model, _, names = KINDS[kind]
    parts = []
    for field, is_alias in names:
        rows = model.objects.exclude(**{field: ""})
        if letter:
            rows = rows.filter(**{f"{field}__istartswith": letter})
        brand = F("brand_name") if is_alias else Value("", output_field=CharField())
        parts.append(
            rows.order_by()
            .annotate(entry=F(field), key=Lower(field), brand=brand)
            .values_list("key", "entry", "slug", "brand")
        )
    return parts


def entries(kind: str, letter: str | None = None):
    """Return a query of the A to Z's rows (sort key, name, slug, brand for a generic name), A to Z."""
    parts = _parts(kind, letter)
    return parts[0].union(*parts[1:], all=True).order_by("key", "entry") if len(parts) > 1 else parts[0].order_by("key")


def as_entries(kind: str, rows) -> list[Entry]:
    url_name = KINDS[kind][1]
    return [
        Entry(name, url_for_slug(url_name, slug), f"generic name of {brand}" if brand else "")
        for _, name, slug, brand in rows
    ]


def letters_in_use(kind: str) -> set[str]:
    """Return the lower-case letters some entry of the A to Z starts with, in one query."""
    model, _, names = KINDS[kind]
    parts = [
        model.objects.exclude(**{field: ""}).order_by().annotate(first=Upper(Substr(field, 1, 1))).values_list("first")
        for field, _ in names
    ]
    firsts = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0].distinct()
    return {first.lower() for (first,) in firsts if first and first.lower() in LETTERS}
