"""Which drugs and conditions a reader's word names: the one rule search, its suggestions and its first result use.

A word names a subject when it is one of the subject's names (brand, generic,
full or other name; an abbreviation only as written, so "all" is not "ALL")
or a word of one. Names are compared by a key that ignores case, a
possessive 's, and spacing, hyphens and apostrophes, so "CD-22", "cd22" and
"CD22's" are one word, and "Non-Hodgkin" is also "non" and "hodgkin".
"""

import re
from dataclasses import dataclass, field

from django.db.models import F, Q, Value

_POSSESSIVE = re.compile(r"['’]s\b", re.IGNORECASE)
_NOT_A_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


def key(text: str) -> str:
    """Return the form names are compared in: "CD-22's" → "cd22"."""
    return _NOT_A_LETTER_OR_DIGIT.sub("", _POSSESSIVE.sub("", text).casefold())


def word_keys(name: str) -> set[str]:
    """Return the keys of a name's words, whole and split at hyphens and apostrophes, with the whole name's."""
    keys = {key(name)}
    for word in name.split():
        keys.add(key(word))
        keys.update(key(part) for part in re.split(r"[-‐‑'’/]", word))
    keys.discard("")
    return keys


def _same_word(a: str, b: str) -> bool:
    return a == b or a.removesuffix("s") == b.removesuffix("s")


@dataclass
class Named:
    """The subjects one of a reader's words names, and the names search should also look for."""

    drugs: set[int] = field(default_factory=set)
    conditions: set[int] = field(default_factory=set)
    # Where the word is a subject's whole name: its other names, so that any name finds what the main one finds.
    also: list[str] = field(default_factory=list)
    whole: set[tuple[str, int]] = field(default_factory=set)  # ("drug", id): the subjects it is a whole name of

    def __bool__(self):
        return bool(self.drugs or self.conditions)


def named_by(texts: list[str], article_model) -> dict[str, Named]:
    """Return the drugs and conditions each of `texts` (the words and phrases of a query) names, in one query."""
    # Reached through the answer model, so that models.py can use search (and so this module) without a cycle.
    Drug, Condition = article_model.drugs.field.related_model, article_model.conditions.field.related_model

    found = {text: Named() for text in texts}
    # A cheap first cut on the database (names that contain a word's longest run of letters), then the rule.
    pieces = {piece for text in texts if len(piece := _longest_run(text)) >= 2}
    pieces = {piece[:-1] if piece.endswith("s") and len(piece) > 3 else piece for piece in pieces}  # plurals
    if not pieces:
        return found
    drugs, conditions = Q(), Q()
    for piece in pieces:
        drugs |= Q(brand_name__icontains=piece) | Q(generic_name__icontains=piece) | Q(other_names__icontains=piece)
        conditions |= Q(name__icontains=piece) | Q(abbreviation__iexact=piece) | Q(other_names__icontains=piece)
    columns = ("pk", "main", "second", "other_names")
    rows = Drug.objects.filter(drugs).annotate(kind=Value("drug"), main=F("brand_name"), second=F("generic_name"))
    rows = (
        rows.order_by()
        .values_list("kind", *columns)
        .union(
            Condition.objects.filter(conditions)
            .annotate(kind=Value("condition"), main=F("name"), second=F("abbreviation"))
            .order_by()
            .values_list("kind", *columns)
        )
    )
    for kind, pk, main, second, other_names in rows:
        names = [main, second, *(other_names.split("\n") if other_names else [])]
        abbreviation = second if kind == "condition" else None
        for text, named in found.items():
            whole, any_name = _names_match(text, names, abbreviation)
            if any_name:
                (named.drugs if kind == "drug" else named.conditions).add(pk)
            if whole:
                named.also += [name for name in names if name and name not in named.also]
                named.whole.add((kind, pk))
    return found


def _longest_run(text: str) -> str:
    return max(re.findall(r"\w+", text.casefold()), key=len, default="")


def _names_match(text: str, names: list[str], abbreviation: str | None) -> tuple[bool, bool]:
    """Return whether `text` is one of `names` whole, and whether it is one of them or a word of one."""
    wanted = key(text)
    whole = any_name = False
    for name in names:
        if not name or not wanted:
            continue
        if name == abbreviation:  # as written ("ALL", not "all"), unless it is long enough to be a word
            matched = name == text or (len(text) > 4 and key(name) == wanted)
            whole |= matched
        elif _same_word(key(name), wanted):
            matched = whole = True
        else:
            matched = any(_same_word(word, wanted) for word in word_keys(name))
        any_name |= matched
    return whole, any_name
