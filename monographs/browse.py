"""Browsing A to Z, as readers of drug sites do: drugs by brand and generic name, conditions by name.

Each generic name is an entry of its own, under its own letter, leading to its
drug: a reader looking for "inotuzumab" finds it under I. Letters with no
entries are known in one query, so the letter bar links only to pages with
something on them.

Entries sort by their lower-cased name, and every name the A to Z lists has an
index in that order (models: drug_brand_name_az_idx and the others): a page of
the list, a letter's entries and whether a letter has any are read from those
indexes, not sorted from 50,000 names (see AtoZ for the page).
"""

import string
from dataclasses import dataclass

from django.db import connections
from django.db.models import CharField, Exists, F, Value
from django.db.models.functions import Lower

from .models import Condition, Drug
from .prepared import Prepared
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


def _listed(model, field: str, letter: str | None = None):
    """The rows listed under `field` (under `letter` only, if given), each with its sort key."""
    rows = model.objects.exclude(**{field: ""}).order_by().annotate(key=Lower(field))
    if letter:
        # A range of the index, then the first letter exactly (a collation may sort "(b)" among the b's):
        # both read the index alone.
        rows = rows.filter(key__gte=letter, key__lt=chr(ord(letter) + 1), key__startswith=letter)
    return rows


def _parts(kind: str, letter: str | None):
    model, _, names = KINDS[kind]
    parts = []
    for field, is_alias in names:
        brand = F("brand_name") if is_alias else Value("", output_field=CharField())
        rows = _listed(model, field, letter).annotate(entry=F(field), brand=brand)
        parts.append(rows.values_list("key", "entry", "slug", "brand"))
    return parts


ORDER = ("key", "entry")


@dataclass(frozen=True)
class AtoZ:
    """The A to Z's rows (sort key, name, slug, brand for a generic name) in order; slice it for a page.

    PostgreSQL sorts the whole of a UNION ALL (50,000 drug names) for any
    slice of it. So each part is cut where the slice ends first, in its own
    index order, and only those rows are merged and sorted. (SQLite takes no
    LIMIT inside a compound query: there the union is sorted whole.)
    """

    parts: tuple

    def __getitem__(self, rows: slice):
        parts = self.parts
        if len(parts) == 1:
            return parts[0].order_by(*ORDER)[rows]
        if rows.stop is not None and connections[parts[0].db].features.supports_slicing_ordering_in_compound:
            parts = [part.order_by(*ORDER)[: rows.stop] for part in parts]
        return parts[0].union(*parts[1:], all=True).order_by(*ORDER)[rows]


def entries(kind: str, letter: str | None = None) -> AtoZ:
    """Return the A to Z of `kind` ("drugs" or "conditions"), or of one letter of it."""
    return AtoZ(tuple(_parts(kind, letter)))


def as_entries(kind: str, rows) -> list[Entry]:
    url_name = KINDS[kind][1]
    return [
        Entry(name, url_for_slug(url_name, slug), f"generic name of {brand}" if brand else "")
        for _, name, slug, brand in rows
    ]


def _letters_query(kind: str):
    """One row (none if there is nothing to list): for each letter and name field, whether an entry starts so."""
    model, _, names = KINDS[kind]
    return model.objects.order_by().values_list(
        *(Exists(_listed(model, field, letter)) for letter in LETTERS for field, _ in names)
    )[:1]


# Compiled once: 26 letters' subqueries took longer to build than PostgreSQL takes to probe the indexes.
_LETTERS_IN_USE = {kind: Prepared(lambda kind=kind: _letters_query(kind)) for kind in KINDS}


def letters_in_use(kind: str) -> set[str]:
    """Return the lower-case letters some entry of the A to Z starts with, in one query."""
    rows = _LETTERS_IN_USE[kind].rows()
    if not rows:
        return set()
    fields = len(KINDS[kind][2])
    return {letter for n, letter in enumerate(LETTERS) if any(rows[0][n * fields : (n + 1) * fields])}
