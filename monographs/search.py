"""Full-text search over answers, on PostgreSQL and on SQLite, behind one function.

Both databases keep their index current themselves: PostgreSQL a generated
tsvector column (question weighted A, summary B, answer C) with a GIN index,
SQLite an FTS5 table (question, summary, answer) kept in step by triggers.
Queries use web-search syntax: words, "quoted phrases", -excluded words and
`or`. Every other word narrows; a word also matches the answers about a drug or
condition it names (names.py), so "inotuzumab" finds the Besponsa answers.
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connections, transaction
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Sqrt
from django.db.models.query import ModelIterable
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .names import Named, named_by

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


@dataclass
class Query:
    """A reader's query, understood once: its terms, the groups of words an answer must match, what it leaves out."""

    text: str  # as searched for: clean_query
    terms: list[Term]
    named: dict[str, Named]  # a word or phrase of it -> the drugs and conditions it names
    groups: list["Group"]

    @property
    def excluded(self) -> list[Term]:
        return [t for t in self.terms if t.negated]

    def subjects(self) -> set[tuple[str, int]]:
        """Return the drugs and conditions the query, or a word of it, is a whole name of: ("drug", id)."""
        return {subject for named in self.named.values() for subject in named.whole}


def understand(q, article_model) -> Query:
    """Return `q` (web-search syntax, as typed) understood for searching answers of `article_model`."""
    text = clean_query(q)
    terms = parse(text)
    wanted = [term.text for term in terms if not term.negated]
    # The words one by one, and together: "inotuzumab ozogamicin" is a drug's name, each word only a part of it.
    named = named_by(wanted + ([" ".join(wanted)] if len(wanted) > 1 else []), article_model)
    return Query(text, terms, named, _groups(terms, named))


def search(queryset, q):
    """Return `queryset` filtered to answers matching `q`, best first, each with a `snippet` and `total_found`.

    `q` is text as typed, or a Query. `total_found`, the number of answers matching, comes with every
    row: ranking reads them all anyway, so counting them costs no second query (which would match the
    words again).

    Answers whose question names a drug or condition the query names come first ("inotuzumab" puts
    "How does Besponsa work…?" above answers that only mention it), then by how well the text matches.
    """
    found = _search(queryset, q, ranked=True)
    if found.query.is_empty():  # a blank query: none() has no rank to order by
        return found
    found = found.annotate(total_found=Window(Count("*")), score=F("rank") * Sqrt(1 + _links_in(queryset.model)))
    found = found.order_by("-about", "-score", "-reviewed_on", "question")
    found._iterable_class = _Highlighted  # as values() does: the rows come out as answers, snippets made safe
    return found


def _links_in(article_model):
    """How many live answers link to an answer (related questions, read next): the answers editors send readers to.

    It weighs text relevance (by its square root), so that among answers about what was asked, the one the
    others lead to comes first, without a hub outranking the answers that match the words better.
    """
    counts = []
    for accessor in ("relatedquestion_links", "readnext_links"):
        link_model = article_model._meta.get_field(accessor).related_model
        links = link_model.objects.filter(target=OuterRef("pk"), source__in=article_model.objects.live())
        count = links.order_by().values("target").annotate(n=Count("*")).values("n")
        counts.append(Coalesce(Subquery(count, output_field=IntegerField()), 0))
    return counts[0] + counts[1]


class _Highlighted(ModelIterable):
    """Answers whose `snippet` is safe HTML: the text escaped, the matches in <mark>."""

    def __iter__(self):
        for answer in super().__iter__():
            answer.snippet = _highlighted(answer.snippet)
            yield answer


def matching(queryset, q):
    """Return `queryset` filtered to answers matching `q`, in its own order: for lists like the admin's."""
    return _search(queryset, q, ranked=False)


# Words that say nothing on their own, as PostgreSQL's 'english' configuration drops them; on both databases
# a word of these alone asks for nothing (unless it names a subject as written, such as "ALL").
_STOP_WORDS = (
    "i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers "
    "herself it its itself they them their theirs themselves what which who whom this that these those am is are "
    "was were be been being have has had having do does did doing a an the and but if or because as until while "
    "of at by for with about against between into through during before after above below to from up down in out "
    "on off over under again further then once here there when where why how all any both each few more most "
    "other some such no nor not only own same so than too very s t can will just don should now"
)
STOP_WORDS = frozenset(_STOP_WORDS.split())


@dataclass
class Group:
    """Words of which an answer must match one (words joined by `or`; most groups are one word).

    A word matches an answer that contains it (or, where the word is a drug's or condition's whole name, any
    of that subject's names), or that is about a drug or condition the word names (names.py).
    """

    texts: list[str]  # web-search expressions to look for in the text: a word, or a "quoted phrase"
    named: list[Named]

    @property
    def drugs(self):
        return {pk for named in self.named for pk in named.drugs}

    @property
    def conditions(self):
        return {pk for named in self.named for pk in named.conditions}


def _groups(terms: list[Term], names: dict[str, Named]) -> list[Group]:
    """Return the query as groups an answer must each match (`a b or c` is a, then b or c)."""
    groups = []
    for term in terms:
        if term.negated:
            continue
        named = names[term.text]
        texts = [_quoted(term)] + [f'"{name}"' if " " in name else name for name in named.also]
        if not named and not term.phrase and all(word in STOP_WORDS for word in term.text.casefold().split()):
            continue  # "how", "the": no requirement (PostgreSQL would drop them from the text query too)
        if term.or_before and groups:
            groups[-1].texts += texts
            groups[-1].named.append(named)
        else:
            groups.append(Group(texts, [named]))
    return groups


@contextmanager
def planned_for_these_words(article_model):
    """Run search's queries planned for the words given, in one read transaction (PostgreSQL).

    drugref's connections prepare a query the fifth time they run it; PostgreSQL may then plan it once
    for any words ("generic plan"), which for text and trigram searches means reading every row.
    """
    database = article_model.objects.db
    if connections[database].vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=database), connections[database].cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        yield


def words_in_live_answers(words: list[str], article_model) -> set[str]:
    """Return those of `words` that some live answer contains (in its question, summary or answer)."""
    live = article_model.objects.live()
    return {word for word in words if live.filter(pk__in=_text_matches(live, [word])).exists()}


def _search(queryset, q, *, ranked):
    query = q if isinstance(q, Query) else understand(q, queryset.model)
    groups, excluded = query.groups, query.excluded
    if not groups:
        return queryset.none()
    if connections[queryset.db].vendor == "postgresql":
        found = _postgres(queryset, groups, excluded, ranked)
    else:
        found = _sqlite(queryset, groups, excluded, ranked)
    return found.annotate(about=_question_about(queryset.model, groups)) if ranked else found


def _subject_answers(article_model, group: Group):
    """Return the ids of the answers about a drug or condition the group's words name."""
    # Reached through the answer model, so that models.py can use this module without a cycle.
    drug_links, condition_links = article_model.drugs.through, article_model.conditions.through
    return (
        drug_links.objects.filter(drug__in=group.drugs)
        .values("article_id")
        .union(condition_links.objects.filter(condition__in=group.conditions).values("article_id"))
    )


def _question_about(article_model, groups):
    """Whether an answer is about a drug or condition the query names, and its question says so by name."""
    drug_links, condition_links = article_model.drugs.through, article_model.conditions.through
    drugs = {pk for group in groups for pk in group.drugs}
    conditions = {pk for group in groups for pk in group.conditions}
    if not (drugs or conditions):
        return Value(False)
    by_drug = drug_links.objects.filter(drug__in=drugs).filter(
        Q(article__question__icontains=F("drug__brand_name"))
        | (Q(article__question__icontains=F("drug__generic_name")) & ~Q(drug__generic_name=""))
    )
    by_condition = condition_links.objects.filter(condition__in=conditions).filter(
        Q(article__question__icontains=F("condition__name"))
        | (Q(article__question__contains=F("condition__abbreviation")) & ~Q(condition__abbreviation=""))
    )
    # One set of answers, found once from the few subjects the words name; not a subquery per matching answer.
    about = by_drug.values("article_id").union(by_condition.values("article_id"))
    return ExpressionWrapper(Q(pk__in=about), output_field=BooleanField())


def _highlighted(snippet: str) -> str:
    """Return a search snippet as safe HTML: escaped text, matches in <mark>."""
    text = _BACKSLASH_ESCAPE.sub(r"\1", snippet or "")
    return mark_safe(escape(text).replace(START, "<mark>").replace(STOP, "</mark>"))


def _tsquery(texts) -> tuple[str, list]:
    """Return SQL for a tsquery matching any of `texts` (web-search expressions), and its parameters."""
    sql = " || ".join("websearch_to_tsquery(%s::regconfig, %s)" for _ in texts)
    return f"({sql})", [value for text in texts for value in (SEARCH_CONFIG, text)]


# ts_rank's weights for D, C, B, A: the question (A) counts most, then the summary (B), then the answer (C).
WEIGHTS = "'{0.1, 0.2, 0.4, 1.0}'::float4[]"


def _text_matches(queryset, texts) -> RawSQL:
    """The ids of the answers whose question, summary or answer matches any of `texts` (web-search expressions)."""
    if connections[queryset.db].vendor == "postgresql":
        tsquery, params = _tsquery(texts)
        return RawSQL(f"SELECT id FROM {queryset.model._meta.db_table} WHERE search_vector @@ {tsquery}", params)
    return RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [_fts5(texts)])


def _postgres(queryset, groups, excluded, ranked):
    table = queryset.model._meta.db_table
    for group in groups:
        # One IN over a UNION per group, so the text match uses the GIN index; an OR would test every vector.
        matches = _text_matches(queryset, group.texts)
        if group.drugs or group.conditions:
            subjects_sql, subjects_params = _subject_answers(queryset.model, group).query.sql_with_params()
            matches = RawSQL(f"{matches.sql} UNION {subjects_sql}", [*matches.params, *subjects_params])
        queryset = queryset.filter(pk__in=matches)
    if excluded:
        queryset = queryset.exclude(pk__in=_text_matches(queryset, [_quoted(t) for t in excluded]))
    if not ranked:
        return queryset
    # Ranked and highlighted by every word looked for, whichever way each group matched.
    tsquery, params = _tsquery([text for group in groups for text in group.texts])
    return queryset.annotate(
        rank=RawSQL(f"ts_rank({WEIGHTS}, {table}.search_vector, {tsquery})", params, FloatField()),
        snippet=RawSQL(
            f"ts_headline(%s::regconfig, {table}.answer, {tsquery}, %s)",
            [SEARCH_CONFIG, *params, f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=15"],
            TextField(),
        ),
    )


def _quoted(term) -> str:
    return f'"{term.text}"' if term.phrase else term.text


def _sqlite(queryset, groups, excluded, ranked):
    table = queryset.model._meta.db_table
    for group in groups:
        either = Q(pk__in=_text_matches(queryset, group.texts))
        if group.drugs or group.conditions:
            either |= Q(pk__in=_subject_answers(queryset.model, group))
        queryset = queryset.filter(either)
    if excluded:
        queryset = queryset.exclude(pk__in=_text_matches(queryset, [_quoted(t) for t in excluded]))
    if not ranked:
        return queryset
    expression = _fts5([text for group in groups for text in group.texts])
    # bm25 is lower for better matches; a question match counts ten times an answer match, a summary's four times.
    rank = RawSQL(
        f"SELECT -bm25({FTS_TABLE}, 10.0, 4.0, 1.0) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND rowid = {table}.id",
        [expression],
        output_field=FloatField(),
    )
    snippet = RawSQL(
        f"SELECT snippet({FTS_TABLE}, {FTS_COLUMNS.index('answer')}, %s, %s, '…', 30) FROM {FTS_TABLE} "
        f"WHERE {FTS_TABLE} MATCH %s AND rowid = {table}.id",
        [START, STOP, expression],
        output_field=TextField(),
    )
    return queryset.annotate(
        rank=Coalesce(rank, Value(0.0)),
        snippet=Coalesce(snippet, Value(""), output_field=TextField()),
    )


def _fts5(texts) -> str:
    """Return an FTS5 MATCH expression for any of `texts`: each a quoted string, so input cannot be syntax."""
    return " OR ".join(_fts5_string(text.strip('"')) for text in texts)


def _fts5_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


FTS_COLUMNS = ("question", "summary", "answer")


def ensure_sqlite_index(connection):
    """Create SQLite's FTS5 index and its triggers if missing or out of date, and fill it when new.

    SQLite rebuilds a table to alter it, which drops its triggers, so this
    runs after every migrate as well as in the migrations that build search.
    """
    if connection.vendor != "sqlite":
        return
    columns = ", ".join(FTS_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{FTS_TABLE}_%"])
        triggers = cursor.fetchone()[0]
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [FTS_TABLE])
        table = cursor.fetchone()
        if triggers == 3 and table and f"fts5({columns}," in table[0]:
            return
        for suffix in ("ai", "ad", "au"):
            cursor.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{suffix}")
        cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        cursor.execute(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({columns}, "
            "content='monographs_article', content_rowid='id', tokenize='porter unicode61')"
        )
        values = lambda row: ", ".join(f"{row}.{column}" for column in FTS_COLUMNS)  # noqa: E731
        new = f"INSERT INTO {FTS_TABLE}(rowid, {columns}) VALUES (new.id, {values('new')});"
        old = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {columns}) VALUES ('delete', old.id, {values('old')});"
        triggers = {
            "ai": ("AFTER INSERT", new),
            "ad": ("AFTER DELETE", old),
            "au": (f"AFTER UPDATE OF {columns}", old + " " + new),
        }
        for suffix, (when, body) in triggers.items():
            cursor.execute(f"CREATE TRIGGER {FTS_TABLE}_{suffix} {when} ON monographs_article BEGIN {body} END")
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
