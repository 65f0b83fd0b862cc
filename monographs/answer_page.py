"""What an answer page shows, fetched in three queries whatever the number of its links.

1. the answer with its reviewer (without the Markdown source, which the page never shows):
   `live_article()` for readers, `Article.objects.for_page()` for previews;
2. its drugs, conditions and support groups, and its curated links (related questions,
   read next), as one UNION ALL of rows of the same seven columns;
3. related medical questions: live answers sharing a drug or condition.

Rows come back as plain values, not model instances, from SQL compiled once
(see prepared.py): on a page that lists a dozen links, compiling queries and
building instances was most of the time a page took.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.db.models import CharField, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Concat

from . import rendering, sources
from .caching import tags as cache_tags
from .models import (
    Article,
    Condition,
    Drug,
    LabelCheck,
    ReadNext,
    RelatedQuestion,
    Reviewer,
    SignOff,
    SupportGroup,
)
from .prepared import Prepared
from .slugs import url_for_slug

RELATED_MEDICAL_QUESTIONS_LIMIT = 10
SITE_NAME = "drugref"  # as the pages' titles and header name the site
# A linked subject's page, by model name.
SUBJECT_URLS = {
    "drug": "monographs:drug",
    "condition": "monographs:condition",
    "supportgroup": "monographs:support_group",
}


@dataclass(frozen=True)
class Subject:
    """A drug, condition or support group as a page links to it."""

    kind: str  # a model name: drug, condition, supportgroup
    pk: int
    name: str
    slug: str
    detail: str = ""  # a drug's generic name, a condition's abbreviation
    drug_class: str = ""

    def get_absolute_url(self):
        return url_for_slug(SUBJECT_URLS[self.kind], self.slug)

    def __str__(self):
        return self.name


# Between the parts of an answer while its citations are linked: a comment, which sanitised HTML cannot hold.
_PART = "<!--part-->"


@dataclass(frozen=True)
class ShownAnswer:
    warnings: list[rendering.WarningBlock]  # shown before the answer text, and named in At a glance
    lead: str  # the first paragraph: on a phone, At a glance follows it
    rest: str
    numbers: list[int]  # the sources cited inline


@dataclass
class AnswerPage:
    article: Article
    drugs: list[Subject] = field(default_factory=list)
    conditions: list[Subject] = field(default_factory=list)
    support_groups: list[Subject] = field(default_factory=list)
    related_questions: list[Article] = field(default_factory=list)
    read_next: list[Article] = field(default_factory=list)
    related_medical_questions: list[Article] = field(default_factory=list)
    tags: set[str] = field(default_factory=set)

    @property
    def byline(self) -> str:
        """The byline as plain text, word for word as the page prints it."""
        article = self.article
        if not article.reviewer:
            return "Not yet medically reviewed."
        said = f"Written by {self.writer}; medically reviewed by" if self.writer else "Medically reviewed by"
        on = article.reviewed_on
        return f"{said} {article.reviewer}. Last updated on {on:%B} {on.day}, {on.year}."

    @property
    def writer(self) -> str:
        """The name the byline gives the answer's writer: only where the site names its writers (a setting)."""
        return getattr(self.article, "writer", "") if settings.DRUGREF_NAME_WRITERS else ""

    @property
    def sources(self) -> list[sources.Source]:
        return sources.shown(self.article.sources)

    @cached_property
    def answer(self) -> "ShownAnswer":
        """The answer as the page lays it out: its warning blocks first, then its first paragraph, then the rest.

        Inline citations ("[1]") are linked to their sources wherever they are, each id once on the page.
        """
        warnings, text = rendering.take_warnings(self.article.answer_html)
        cited = sources.link_citations(
            _PART.join([*(warning.html for warning in warnings), text]), len(self.article.sources or [])
        )
        *warned, text = cited.html.split(_PART)
        lead, rest = rendering.split_after_first_paragraph(text)
        warnings = [rendering.WarningBlock(w.label, html) for w, html in zip(warnings, warned, strict=True)]
        return ShownAnswer(warnings, lead, rest, cited.numbers)

    def structured_data(self, absolute) -> dict:
        """Return schema.org MedicalWebPage data, from the same fields the page shows."""
        article = self.article
        url = absolute(article.get_absolute_url())
        data = {
            "@context": "https://schema.org",
            "@type": "MedicalWebPage",
            "url": url,
            "name": article.question,
            "description": article.summary,
            "inLanguage": "en",
            "about": [
                *({"@type": "Drug", "name": d.name, "url": absolute(d.get_absolute_url())} for d in self.drugs),
                *(
                    {"@type": "MedicalCondition", "name": c.name, "url": absolute(c.get_absolute_url())}
                    for c in self.conditions
                ),
            ],
            "mainEntity": {
                "@type": "Question",
                "name": article.question,
                "acceptedAnswer": {"@type": "Answer", "text": article.answer_text, "url": url},
            },
        }
        if cited := self.sources:
            data["citation"] = [source.structured_data() for source in cited]
        # The site publishes every answer: its author, as a medical publisher's pages name themselves.
        publisher = {"@type": "Organization", "name": SITE_NAME, "url": absolute("/")}
        data |= {"author": publisher, "publisher": publisher}
        if article.reviewer and article.reviewed_on:
            data |= {
                "reviewedBy": article.reviewer.person(absolute),
                "lastReviewed": article.reviewed_on.isoformat(),
                "dateModified": article.reviewed_on.isoformat(),
                "datePublished": (getattr(article, "first_published_on", None) or article.reviewed_on).isoformat(),
            }
        return data


def _kind(name):
    return Value(name, output_field=CharField())


_NO_POSITION = Value(0, output_field=IntegerField())


def _subjects_and_links(article):
    """Rows of (kind, position, id, name, slug, detail, drug class): subjects first, then links.

    A subject's kind is its model name; a link's is its field ("related_questions"), its name the
    question and its detail the target's state.
    """
    columns = {
        Drug: ("brand_name", "generic_name", "drug_class"),
        Condition: ("name", "abbreviation", None),
        SupportGroup: ("name", None, None),
    }
    subjects = [
        model.objects.filter(articles=article)
        .order_by()
        .values_list(
            _kind(model._meta.model_name),
            _NO_POSITION,
            "pk",
            name,
            "slug",
            detail or _kind(""),
            drug_class or _kind(""),
        )
        for model, (name, detail, drug_class) in columns.items()
    ]
    links = [
        model.objects.filter(source=article)
        .order_by()
        .values_list(
            _kind(kind), "position", "target_id", "target__question", "target__slug", "target__state", _kind("")
        )
        for kind, model in (("related_questions", RelatedQuestion), ("read_next", ReadNext))
    ]
    return subjects[0].union(*subjects[1:], *links, all=True)


def _related_medical_questions(article, canonical):
    """Live answers sharing a drug or condition with `article`, not itself nor one it links to already."""
    # One IN over a UNION of candidates: with an OR of two INs, PostgreSQL walks every live answer.
    candidates = []
    for name, column in (("drugs", "drug_id"), ("conditions", "condition_id")):
        through = Article._meta.get_field(name).remote_field.through
        same = through.objects.filter(article_id=article).values(column)
        candidates.append(through.objects.filter(**{f"{column}__in": same}).values("article_id"))
    queryset = Article.objects.live().filter(pk__in=candidates[0].union(candidates[1])).exclude(pk=canonical)
    for model in (RelatedQuestion, ReadNext):
        queryset = queryset.exclude(pk__in=model.objects.filter(source=article).values("target_id"))
    return queryset.order_by("-reviewed_on", "question").values_list("pk", "question", "slug")[
        :RELATED_MEDICAL_QUESTIONS_LIMIT
    ]


# What a page shows of the answer itself (the Markdown source stays behind), and of its reviewer,
# in the models' field order, as Model.from_db() takes them.
_SHOWN = {
    "id",
    "question",
    "slug",
    "answer_html",
    "answer_text",
    "summary",
    "state",
    "reviewer_id",
    "reviewed_on",
    "draft_of_id",
}
_SHOWN |= {"change_log", "updated_at", "sources", "review_interval_days"}
ARTICLE_FIELDS = tuple(field.attname for field in Article._meta.concrete_fields if field.attname in _SHOWN)
REVIEWER_FIELDS = tuple(
    field.attname for field in Reviewer._meta.concrete_fields if field.attname in {"name", "credentials", "slug"}
)


def _live_article(slug):
    fields = (*ARTICLE_FIELDS, *(f"reviewer__{name}" for name in REVIEWER_FIELDS), *_DATES)
    return Article.objects.live().filter(slug=slug).annotate(**_dates()).order_by().values_list(*fields)[:1]


# What a page shows besides the answer's own fields, read with it.
_DATES = ("first_published_on", "label_changed_on", "writer", "live_revision")


def _dates() -> dict:
    sign_offs = SignOff.objects.filter(article=OuterRef("pk"))
    # The day it first went live: its first sign-off's review date (structured data's datePublished).
    first = sign_offs.order_by("reviewed_on").values("reviewed_on")[:1]
    # The effective date of the newest label version it is being checked against, if any (editorial).
    checks = LabelCheck.objects.filter(article=OuterRef("pk"), cleared_at__isnull=True)
    label = checks.order_by("-label__effective_on").values("label__effective_on")[:1]
    # Who wrote the revision signed off last (its account's full name), for a site that names its writers.
    author = Concat("revision__created_by__first_name", Value(" "), "revision__created_by__last_name")
    writer = sign_offs.order_by("-signed_at", "-pk").annotate(author=author).values("author")[:1]
    # The revision readers see: the one signed off last (the API gives its number).
    revision = sign_offs.order_by("-signed_at", "-pk").values("revision__number")[:1]
    return {
        "first_published_on": Subquery(first),
        "label_changed_on": Subquery(label),
        "writer": Subquery(writer, output_field=CharField()),
        "live_revision": Subquery(revision),
    }


LIVE_ARTICLE = Prepared(_live_article, slug=str)
SUBJECTS_AND_LINKS = Prepared(_subjects_and_links, article=int)
RELATED_MEDICAL_QUESTIONS = Prepared(_related_medical_questions, article=int, canonical=int)


def live_article(slug: str) -> Article | None:
    """Return the live answer at `slug` with its reviewer (query 1), or None."""
    rows = LIVE_ARTICLE.rows(slug=slug)
    if not rows:
        return None
    values = rows[0][: -len(_DATES)]
    article = Article.from_db("default", ARTICLE_FIELDS, values[: len(ARTICLE_FIELDS)])
    article.first_published_on, article.label_changed_on, writer, article.live_revision = rows[0][-len(_DATES) :]
    article.writer = (writer or "").strip()
    if article.reviewer_id:
        reviewer = values[len(ARTICLE_FIELDS) :]
        article.reviewer = Reviewer.from_db("default", ("id", *REVIEWER_FIELDS), (article.reviewer_id, *reviewer))
    return article


def load(article: Article) -> AnswerPage:
    """Fetch everything `article`'s page shows besides the answer itself (queries 2 and 3)."""
    page = AnswerPage(article)
    lists = {"drug": page.drugs, "condition": page.conditions, "supportgroup": page.support_groups}
    rows = SUBJECTS_AND_LINKS.rows(article=article.pk)
    subjects = sorted((row for row in rows if row[0] in lists), key=lambda row: (row[3].lower(), row[2]))
    for kind, _, pk, name, slug, detail, drug_class in subjects:
        lists[kind].append(Subject(kind, pk, name, slug, detail, drug_class))
        page.tags.add(cache_tags.for_pk(kind, pk))

    links = sorted((row for row in rows if row[0] not in lists), key=lambda row: row[:3])
    for kind, _, pk, question, slug, state, _ in links:
        # Every target is tagged, live or not: its going live must refresh this page.
        page.tags.add(cache_tags.for_pk("article", pk))
        target = Article(pk=pk, question=question, slug=slug, state=state)
        if target.is_live:
            getattr(page, kind).append(target)

    if page.drugs or page.conditions:
        related = RELATED_MEDICAL_QUESTIONS.rows(article=article.pk, canonical=article.canonical_pk)
        page.related_medical_questions = [Article(pk=pk, question=q, slug=slug) for pk, q, slug in related]

    page.tags.add(cache_tags.for_object(article))
    page.tags.update(cache_tags.for_pk("article", a.pk) for a in page.related_medical_questions)
    if article.reviewer_id:
        page.tags.add(cache_tags.for_pk("reviewer", article.reviewer_id))
    # Related medical questions are the live answers about its drugs and conditions.
    for subject in (*page.drugs, *page.conditions):
        page.tags.add(cache_tags.answers_about(subject.kind, subject.pk))
    return page
