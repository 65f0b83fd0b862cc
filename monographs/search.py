"""Full-text search over answers, on PostgreSQL and on SQLite, behind one function.

Both databases keep their index current themselves: PostgreSQL a generated
tsvector column (question weighted A, answer B) with a GIN index, SQLite an
FTS5 table kept in step by triggers. Queries use web-search syntax:
words, "quoted phrases", -excluded words and `or`. Drug and condition names
match too, so "inotuzumab" finds the Besponsa answers.
"""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVectorField
from django.db import connections
from django.db.models import BooleanField, Count, ExpressionWrapper, F, FloatField, Q, TextField, Value, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.db.models.query import ModelIterable
from django.utils.html import escape
from django.utils.safestring import mark_safe

# The text-search configuration; migration 0003 builds the index with the same.
SEARCH_CONFIG = "english"
MAX_QUERY_LENGTH = 200
FTS_TABLE = "monographs_article_fts"
# Highlight markers that cannot occur in text, swapped for <mark> after escaping.
START, STOP = "\x02", "\x03"
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_BACKSLASH_ESCAPE = re.compile(r"\\([\\`*_\[\]#>+.!()-])")


@dataclass
class Term:
    text: str
    negated: bool = False
    phrase: bool = False
    or_before: bool = False


def clean_query(q) -> str:
    """Return a query fit to search for: no control characters, single spaces, a sane length."""
    q = re.sub(r"[\x00-\x1f\x7f]", " ", str(q or ""))
    return " ".join(q.split())[:MAX_QUERY_LENGTH].strip()


def parse(q: str) -> list[Term]:
    """Split web-search syntax into terms: words, phrases, -exclusions and `or`."""
    terms, pending_or = [], False
    for match in _TOKEN.finditer(q):
        minus, phrase, word = match.groups()
        if word is not None and word.lower() == "or":
            pending_or = bool(terms)
            continue
        negated = bool(minus) or (word is not None and word.startswith("-") and len(word) > 1)
        text = phrase if phrase is not None else word.removeprefix("-") if negated else word
        if not re.search(r"\w", text):
            continue
        terms.append(Term(text=text, negated=negated, phrase=phrase is not None, or_before=pending_or))
        pending_or = False
    return terms


def search(queryset, q):
    """Return `queryset` filtered to answers matching `q`, best first, each with a `snippet` and `total_found`.

    `total_found`, the number of answers matching, comes with every row: ranking reads them all
    anyway, so counting them costs no second query (which would match the words again).

    Answers whose question names a drug or condition the query names come first ("inotuzumab" puts
    "How does Besponsa work…?" above answers that only mention it), then by how well the text matches.
    """
    found = _search(queryset, q, ranked=True)
    if found.query.is_empty():  # a blank query: none() has no rank to order by
        return found
    found = found.annotate(total_found=Window(Count("*"))).order_by("-about", "-rank", "-reviewed_on", "question")
    found._iterable_class = _Highlighted  # as values() does: the rows come out as answers, snippets made safe
    return found


class _Highlighted(ModelIterable):
    """Answers whose `snippet` is safe HTML: the text escaped, the matches in <mark>."""

    def __iter__(self):
        for answer in super().__iter__():
            answer.snippet = _highlighted(answer.snippet)
            yield answer


def matching(queryset, q):
    """Return `queryset` filtered to answers matching `q`, in its own order: for lists like the admin's."""
    return _search(queryset, q, ranked=False)


def _search(queryset, q, *, ranked):
    terms = parse(clean_query(q))
    wanted = [t for t in terms if not t.negated]
    if not wanted:
        return queryset.none()
    subjects = _subject_matches(queryset.model, wanted)
    if connections[queryset.db].vendor == "postgresql":
        found = _postgres(queryset, terms, subjects, ranked)
    else:
        found = _sqlite(queryset, terms, subjects, ranked)
    return found.annotate(about=_question_about(queryset.model, wanted)) if ranked else found


def _subject_filters(wanted: list[Term]) -> tuple[Q, Q, Q]:
    """Return filters of the drugs and conditions the words name: drugs, conditions, conditions by full name."""
    drugs, conditions, named = Q(), Q(), Q()
    for term in wanted:
        if len(term.text) >= 3:
            drugs |= Q(brand_name__icontains=term.text) | Q(generic_name__icontains=term.text)
            named |= Q(name__icontains=term.text)
        conditions |= Q(abbreviation__iexact=term.text)
    return drugs, conditions | named, named


def _question_about(article_model, wanted):
    """Whether an answer is about a drug or condition the query names, and its question says so by name."""
    drug_links, condition_links = article_model.drugs.through, article_model.conditions.through
    Drug, Condition = article_model.drugs.field.related_model, article_model.conditions.field.related_model
    drugs, _, named = _subject_filters(wanted)
    if not drugs:
        return Value(False)
    by_drug = drug_links.objects.filter(drug__in=Drug.objects.filter(drugs)).filter(
        Q(article__question__icontains=F("drug__brand_name"))
        | (Q(article__question__icontains=F("drug__generic_name")) & ~Q(drug__generic_name=""))
    )
    by_condition = condition_links.objects.filter(condition__in=Condition.objects.filter(named)).filter(
        article__question__icontains=F("condition__name")
    )
    # One set of answers, found once from the few subjects the words name; not a subquery per matching answer.
    about = by_drug.values("article_id").union(by_condition.values("article_id"))
    return ExpressionWrapper(Q(pk__in=about), output_field=BooleanField())


def _highlighted(snippet: str) -> str:
    """Return a search snippet as safe HTML: escaped text, matches in <mark>."""
    text = _BACKSLASH_ESCAPE.sub(r"\1", snippet or "")
    return mark_safe(escape(text).replace(START, "<mark>").replace(STOP, "</mark>"))


def _subject_matches(article_model, wanted: list[Term]):
    """Return the ids of answers about a drug or condition whose name contains one of the words."""
    # Reached through the answer model, so that models.py can use this module without a cycle.
    drug_links, condition_links = article_model.drugs.through, article_model.conditions.through
    Drug, Condition = article_model.drugs.field.related_model, article_model.conditions.field.related_model

    drugs, conditions, _ = _subject_filters(wanted)
    # Names first (small tables), then their answers: no join of every answer with its subjects.
    by_drug = drug_links.objects.filter(drug__in=Drug.objects.filter(drugs).values("pk") if drugs else [])
    by_condition = condition_links.objects.filter(condition__in=Condition.objects.filter(conditions).values("pk"))
    return by_drug.values("article_id").union(by_condition.values("article_id"))


def _postgres(queryset, terms, subjects, ranked):
    def tsquery(text):
        return SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)

    websearch = _websearch(terms)
    query = tsquery(websearch)
    table = queryset.model._meta.db_table
    vector = RawSQL(f"{table}.search_vector", [], output_field=SearchVectorField())
    # One IN over a UNION, so the text match uses the GIN index; an OR would test every answer's vector.
    subjects_sql, subjects_params = subjects.query.sql_with_params()
    matches = RawSQL(
        f"SELECT id FROM {table} WHERE search_vector @@ websearch_to_tsquery(%s::regconfig, %s) UNION {subjects_sql}",
        [SEARCH_CONFIG, websearch, *subjects_params],
    )
    queryset = queryset.annotate(document=vector).filter(pk__in=matches)
    excluded = [t for t in terms if t.negated]
    if excluded:
        queryset = queryset.exclude(document=tsquery(" or ".join(_quoted(t) for t in excluded)))
    if not ranked:
        return queryset
    return queryset.annotate(
        rank=SearchRank(F("document"), query, weights=[0.1, 0.2, 0.4, 1.0]),
        snippet=SearchHeadline(
            "answer", query, config=SEARCH_CONFIG, start_sel=START, stop_sel=STOP, max_words=30, min_words=15
        ),
    )


def _websearch(terms) -> str:
    parts = []
    for term in terms:
        if term.or_before:
            parts.append("or")
        parts.append(("-" if term.negated else "") + _quoted(term))
    return " ".join(parts)


def _quoted(term) -> str:
    return f'"{term.text}"' if term.phrase else term.text


def _sqlite(queryset, terms, subjects, ranked):
    expression = _fts5(terms)
    table = queryset.model._meta.db_table
    matching = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [expression])
    excluded = [t for t in terms if t.negated]
    queryset = queryset.filter(Q(pk__in=matching) | Q(pk__in=subjects))
    if excluded:
        either = " OR ".join(_fts5_string(t.text) for t in excluded)
        queryset = queryset.exclude(
            pk__in=RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [either])
        )
    if not ranked:
        return queryset
    # bm25 is lower for better matches; a question match counts ten times an answer match.
    rank = RawSQL(
        f"SELECT -bm25({FTS_TABLE}, 10.0, 1.0) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND rowid = {table}.id",
        [expression],
        output_field=FloatField(),
    )
    snippet = RawSQL(
        f"SELECT snippet({FTS_TABLE}, 1, %s, %s, '…', 30) FROM {FTS_TABLE} "
        f"WHERE {FTS_TABLE} MATCH %s AND rowid = {table}.id",
        [START, STOP, expression],
        output_field=TextField(),
    )
    return queryset.annotate(
        rank=Coalesce(rank, Value(0.0)),
        snippet=Coalesce(snippet, Value(""), output_field=TextField()),
    )


def _fts5(terms) -> str:
    """Return an FTS5 MATCH expression: every term a quoted string, so input cannot be syntax."""
    expression = ""
    for term in terms:
        if term.negated:
            continue
        if expression:
            expression += " OR " if term.or_before else " AND "
        expression += _fts5_string(term.text)
    return expression


def _fts5_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def ensure_sqlite_index(connection):
    """Create SQLite's FTS5 index and its triggers if missing, and fill it when new.

    SQLite rebuilds a table to alter it, which drops its triggers, so this
    runs after every migrate as well as in the migration that adds search.
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{FTS_TABLE}_%"])
        if cursor.fetchone()[0] == 3:
            return
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(question, answer, "
            "content='monographs_article', content_rowid='id', tokenize='porter unicode61')"
        )
        new = f"INSERT INTO {FTS_TABLE}(rowid, question, answer) VALUES (new.id, new.question, new.answer);"
        old = (
            f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, question, answer) "
            "VALUES ('delete', old.id, old.question, old.answer);"
        )
        triggers = {
            "ai": ("AFTER INSERT", new),
            "ad": ("AFTER DELETE", old),
            "au": ("AFTER UPDATE OF question, answer", old + " " + new),
        }
        for suffix, (when, body) in triggers.items():
            cursor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_{suffix} {when} ON monographs_article BEGIN {body} END"
            )
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
