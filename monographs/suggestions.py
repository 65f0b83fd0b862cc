"""What a reader probably meant: names and words close to the words of a query that finds little.

The dictionary is the names of drugs and conditions (every name, and every
word of one) and the words of live answers' questions. A word is close to an
entry when their name keys (names.key: case, spacing, hyphens and possessives
aside) are a few edits apart (Damerau-Levenshtein: a swap of two letters is
one edit), so a wrong first letter is found as well as a wrong last one.
PostgreSQL finds the few entries worth comparing by trigram similarity (its
pg_trgm indexes); SQLite, the development database, compares them all.

Look-alike drug names cause medication errors (hydroxyzine, hydralazine): a
suggestion never replaces the reader's query. Each close entry is offered as
a link of its own, a drug with its other name and the conditions it treats.
"""

import re
from dataclasses import dataclass

from django.db import connections, transaction
from django.db.models import BooleanField, FloatField, Prefetch, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Upper

from .names import key
from .search import STOP_WORDS, Query, words_in_live_answers

MAX_SUGGESTIONS = 4
QUESTIONS_COMPARED = 40  # PostgreSQL: questions close to a word, read for their words
WORD_SIMILARITY = 0.4  # pg_trgm's word similarity an entry needs to be compared at all
SQLITE_QUESTIONS_COMPARED = 5000


@dataclass(frozen=True)
class Suggestion:
    query: str  # the reader's query with the word replaced: what the link searches for
    word: str  # the replacement, shown in bold
    detail: str = ""  # what it is: "inotuzumab ozogamicin, for Acute Lymphoblastic Leukemia"
    subject: tuple[str, int] | None = None  # ("drug", id) when it is a drug's or condition's name
    distance: int = 0

    def parts(self) -> tuple[str, str, str]:
        """Return the query around the replacement: (before, word, after), for showing the word in bold."""
        start = self.query.find(self.word)
        return self.query[:start], self.word, self.query[start + len(self.word) :]


@dataclass(frozen=True)
class _Entry:
    word: str
    detail: str = ""
    subject: tuple[str, int] | None = None


def edits_allowed(word_key: str) -> int:
    """How many edits a word may be from what was meant: more for longer words."""
    return 1 if len(word_key) <= 4 else 2 if len(word_key) <= 8 else 3


def distance(a: str, b: str, limit: int) -> int:
    """Return the Damerau-Levenshtein distance (optimal string alignment) of `a` and `b`, or limit + 1 beyond it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def suggest(query: Query, article_model) -> list[Suggestion]:
    """Return what the reader probably meant, closest first: each a query to search instead (never applied)."""
    words = _unknown_words(query)
    # A word some live answer contains is a word, not a slip (the text index says so at once).
    words = [word for word in words if word not in words_in_live_answers(words, article_model)]
    if not words:
        return []
    # Names first; the questions' words (a longer look) only for a word no name comes close to.
    closest, known = _closest(words, _entries(_names_near, words, article_model))
    rest = [word for word in words if word not in closest and word not in known]
    if rest:
        closest |= _closest(rest, _entries(_question_words_near, rest, article_model))[0]
    if not closest:
        return []
    first, *others = closest
    best_others = {word: closest[word][0][1].word for word in others}
    suggestions, seen = [], set()
    for d, entry in closest[first]:
        corrected = _replaced(query.text, {first: entry.word, **best_others})
        if corrected.casefold() in seen:  # a name and a question's word alike: the name, which says what it is
            continue
        seen.add(corrected.casefold())
        suggestions.append(Suggestion(corrected, entry.word, entry.detail, entry.subject, d))
        if len(suggestions) == MAX_SUGGESTIONS:
            break
    return suggestions


def _closest(words, entries) -> tuple[dict, set]:
    """Return, for each word, the entries within its edits, closest first; and the words found as typed."""
    closest, known = {}, set()
    for word in words:
        wanted, limit = key(word), edits_allowed(key(word))
        found = []
        for entry in entries:
            if entry.word.casefold() == word.casefold():
                known.add(word)  # the word is in the dictionary as typed: nothing to correct
                found = []
                break
            if (d := distance(wanted, key(entry.word), limit)) <= limit:
                found.append((d, entry.subject is None, entry.word.casefold(), entry))
        if found:
            closest[word] = [(d, entry) for d, _, _, entry in sorted(found)]
    return closest, known


def _unknown_words(query: Query) -> list[str]:
    """Return the query's words worth correcting: not left out, not a phrase, naming no drug or condition."""
    return [
        term.text
        for term in query.terms
        if not (term.negated or term.phrase or query.named.get(term.text))
        and len(key(term.text)) >= 3
        and term.text.casefold() not in STOP_WORDS
    ]


def _entries(find, words: list[str], article_model) -> list[_Entry]:
    """Return `find(words, article_model, close_only)`: the dictionary entries worth comparing with `words`.

    On PostgreSQL only those trigram-close to a word (`close_only`), in a transaction of their own unless the
    search's (search.planned_for_these_words) is open already; SQLite has them all compared.
    """
    database = article_model.objects.db
    if connections[database].vendor != "postgresql":
        return find(words, article_model, close_only=False)
    with transaction.atomic(using=database, savepoint=False), connections[database].cursor() as cursor:
        # Looser than pg_trgm's default (0.6), which misses a swap of two letters near a word's start.
        cursor.execute(f"SET LOCAL pg_trgm.word_similarity_threshold = {WORD_SIMILARITY}")
        return find(words, article_model, close_only=True)


def _question_words_near(words, article_model, *, close_only) -> list[_Entry]:
    """The words of live answers' questions (those close to `words` with `close_only`)."""
    questions = article_model.objects.live().order_by()
    if close_only:
        questions = questions.filter(_close_to(words, "question")).order_by(_closeness(words, "question").desc())
    questions = questions[: QUESTIONS_COMPARED if close_only else SQLITE_QUESTIONS_COMPARED]
    return [
        _Entry(word)
        for question in questions.values_list("question", flat=True)
        for word in re.findall(r"[^\W_][\w'’-]*[^\W_]", question)
        if len(word) >= 3
    ]


def _names_near(words, article_model, *, close_only) -> list[_Entry]:
    """The names of drugs and conditions, whole and word by word (those close to `words` with `close_only`)."""
    Drug, Condition = article_model.drugs.field.related_model, article_model.conditions.field.related_model
    drugs, conditions = Drug.objects.all(), Condition.objects.all()
    if close_only:
        # The closest first: in name order, PostgreSQL would walk the names' index testing each for closeness.
        drug_names, condition_names = ("brand_name", "generic_name", "other_names"), ("name", "other_names")
        drugs = drugs.filter(_close_to(words, *drug_names)).order_by(_closeness(words, *drug_names).desc())
        conditions = conditions.filter(_close_to(words, *condition_names))
        conditions = conditions.order_by(_closeness(words, *condition_names).desc())
    entries = []
    treats = Prefetch("conditions", queryset=Condition.objects.only("name").order_by("name"))
    for drug in drugs.prefetch_related(treats)[:50]:
        used_for = ", ".join(c.name for c in drug.conditions.all())
        for name in drug.all_names():
            other = drug.generic_name if name != drug.generic_name else drug.brand_name
            parts = (other if other != name else "", f"for {used_for}" if used_for else "")
            detail = ", ".join(part for part in parts if part)
            entries += _name_entries(name, detail, ("drug", drug.pk))
    for condition in conditions[:50]:
        for name in condition.all_names():
            other = condition.name if name != condition.name else condition.abbreviation
            entries += _name_entries(name, other, ("condition", condition.pk))
    return entries


def _name_entries(name: str, detail: str, subject) -> list[_Entry]:
    """A name is an entry whole, and so is each of its words (so "inotuzamab" finds "inotuzumab ozogamicin")."""
    entries = [_Entry(name, detail, subject)]
    if " " in name:
        entries += [_Entry(word, f"{name}{', ' + detail if detail else ''}", subject) for word in name.split()]
    return entries


def _close_to(words, *columns):
    """A PostgreSQL condition: any of `columns` holds something like one of `words` (pg_trgm's <%, indexed)."""
    tests, params = [], []
    for word in words:
        for column in columns:
            tests.append(f"UPPER(%s) <%% UPPER({column}::text)")
            params += [key(word)]
    return RawSQL(" OR ".join(tests), params, output_field=BooleanField())


def _closeness(words, *columns):
    """How close the closest of `words` comes to a word of any of `columns` (pg_trgm's word_similarity)."""
    pairs = [(word, column) for word in words for column in columns]
    sql = ", ".join(f"word_similarity(UPPER(%s), UPPER({column}::text))" for _, column in pairs)
    return RawSQL(f"GREATEST({sql})", [key(word) for word, _ in pairs], output_field=FloatField())


def _replaced(text: str, replacements: dict[str, str]) -> str:
    """Return `text` with the first whole occurrence of each word replaced (in any case)."""
    for word, replacement in replacements.items():
        found = re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, flags=re.I)
        if found:
            text = text[: found.start()] + replacement + text[found.end() :]
    return text


# As the reader types: names and questions that go on from what is typed so far.
COMPLETIONS_PER_KIND = {"drug": 4, "condition": 3, "answer": 4}
MIN_COMPLETION_KEY = 2  # letters before names are offered (3 before questions: each of those reads an index)


def completions(typed: str, article_model) -> list[dict]:
    """Return drugs, conditions and live answers whose names (or questions) go on from `typed`: label, kind, url."""
    typed = typed.strip()
    if len(key(typed)) < MIN_COMPLETION_KEY:
        return []
    Drug, Condition = article_model.drugs.field.related_model, article_model.conditions.field.related_model
    found = []
    subjects = [
        (Drug, "drug", Q(brand_name__istartswith=typed) | Q(generic_name__istartswith=typed), "brand_name"),
        (Condition, "condition", Q(name__istartswith=typed) | Q(abbreviation__iexact=typed), "name"),
    ]
    for model, kind, starts, order in subjects:
        # Other names by any line's start: the index finds those that contain it, then each line is checked.
        # In alphabetical order regardless of case: in the name index's order, PostgreSQL would walk that index
        # testing every name, where the trigram indexes find the few that match.
        rows = model.objects.filter(starts | Q(other_names__icontains=typed)).order_by(Upper(order), order)
        matched = [
            row
            for row in rows[: COMPLETIONS_PER_KIND[kind] * 5]
            if any(name.casefold().startswith(typed.casefold()) for name in row.all_names())
        ]
        found += [
            {"kind": kind, "label": row.meta()["title"], "url": row.get_absolute_url()}
            for row in matched[: COMPLETIONS_PER_KIND[kind]]
        ]
    if len(key(typed)) > MIN_COMPLETION_KEY:
        answers = article_model.objects.live().filter(question__icontains=typed).order_by("question")
        found += [
            {"kind": "answer", "label": answer.question, "url": answer.get_absolute_url()}
            for answer in answers.only("question", "slug")[: COMPLETIONS_PER_KIND["answer"]]
        ]
    return found
