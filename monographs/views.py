"""Public pages. Every answer shown starts from Article.objects.live().

Each view names what its page shows as cache tags (see caching.tags), so that
the page cache and the front cache drop the page exactly when that changes.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import answer_page, browse, reports
from .caching import pages
from .caching import tags as cache_tags
from .caching.pages import public_page
from .models import (
    SUBJECT_KINDS,
    Article,
    ArticleRedirect,
    Condition,
    Drug,
    DrugLabel,
    Page,
    Publisher,
    Reviewer,
    SupportGroup,
    effective_review_interval,
)
from .pagination import Window
from .search import MAX_QUERY_LENGTH, clean_query, planned_for_these_words, understand
from .slugs import fixed_url, url_for_slug
from .suggestions import completions, suggest

LATEST_ON_HOME = 10
PER_PAGE = 50
RESULTS_PER_PAGE = 20
MAX_COUNTED = 1000
FEW_RESULTS = 3  # fewer answers found than this, and search suggests what the reader may have meant


@dataclass(frozen=True)
class Crumb:
    name: str
    path: str = ""  # the page's address; or
    view: str = ""  # the name of a page that takes no arguments

    @property
    def url(self) -> str:
        return self.path or fixed_url(self.view)


HOME = Crumb("Home", view="monographs:home")
ANSWERS = Crumb("Medical answers", view="monographs:answers")


def render_page(request, template, context, *, crumbs=(), meta=None, structured_data=(), tags=(), shows=()):
    """Render a public page with its breadcrumbs, head tags and JSON-LD.

    `tags` and the objects it `shows` become its cache tags; the newest change
    among the objects shown becomes its Last-Modified.
    """
    crumbs = list(crumbs)
    data = list(structured_data)
    if len(crumbs) > 1:
        data.append(breadcrumb_list(crumbs, request.build_absolute_uri))
    response = render(
        request,
        template,
        # "q" fills the search box on every page but the search page's own.
        {"q": "", **context, "breadcrumbs": crumbs, "meta": meta or {}, "structured_data": data},
        using="site",  # the public pages' Jinja2 templates (settings.TEMPLATES), without looking in the admin's first
    )
    shows = list(shows)
    updated = max((obj.updated_at for obj in shows if getattr(obj, "updated_at", None)), default=None)
    pages.shows(request, {*tags, *cache_tags.for_objects(shows)}, updated)
    return response


def breadcrumb_list(crumbs, absolute) -> dict:
    """Return schema.org BreadcrumbList data for the trail the page shows."""
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": crumb.name, "item": absolute(crumb.url)}
            for n, crumb in enumerate(crumbs, 1)
        ],
    }


def _paginate(request, queryset, per_page=PER_PAGE):
    return Window.of(queryset, request.GET.get("page"), per_page)


@public_page
def home(request):
    latest = list(Article.objects.live().for_list().order_by("-reviewed_on", "question")[:LATEST_ON_HOME])
    return render_page(
        request,
        "monographs/home.html",
        {"latest": latest, "letters": _letter_bar("drugs", None)},
        meta={"description": "Answers to questions about medicines, written and medically reviewed by pharmacists."},
        tags=[cache_tags.LATEST_ANSWERS, cache_tags.SUBJECT_LISTS["drug"]],
        shows=latest,
    )


ANSWERS_PER_DRUG = 10
DRUGS_PER_PAGE = 20


@public_page
def answer_index(request):
    """Every live answer, grouped by the drug it is about, drugs A to Z; then those about no drug."""
    live = Article.objects.live()
    with_answers = Drug.objects.filter(articles__in=live).distinct().order_by("brand_name")
    page = _paginate(request, with_answers.values_list("pk", "brand_name", "slug"), DRUGS_PER_PAGE)
    groups = answer_groups(page.object_list)
    others = [] if page.has_next else list(live.filter(drugs=None).for_list().order_by("question")[:MAX_COUNTED])
    return render_page(
        request,
        "monographs/answer_index.html",
        {"page": page, "groups": groups, "others": others, "title": "Medical answers"},
        crumbs=[HOME, ANSWERS],
        meta={"title": "Medical answers by drug", "description": "All medical answers on drugref, by drug."},
        tags=[cache_tags.ANSWER_INDEX, cache_tags.SUBJECT_LISTS["drug"]],
    )


def answer_groups(drugs) -> list[dict]:
    """Return, for each (pk, brand name, slug) of `drugs`, its first live answers A to Z and how many it has."""
    through = Article.drugs.through.objects.filter(
        drug_id__in=[pk for pk, _, _ in drugs], article__in=Article.objects.live()
    )
    rows = through.order_by("drug_id", "article__question").values_list("drug_id", "article__question", "article__slug")
    answers = {pk: [] for pk, _, _ in drugs}
    counts = dict.fromkeys(answers, 0)
    for drug_id, question, slug in rows:
        counts[drug_id] += 1
        if len(answers[drug_id]) < ANSWERS_PER_DRUG:
            answers[drug_id].append(Article(question=question, slug=slug))
    return [
        {"name": name, "url": url_for_slug("monographs:drug", slug), "answers": answers[pk], "count": counts[pk]}
        for pk, name, slug in drugs
    ]


def old_answer_letter(request, letter):
    """The answers' letter pages followed the first word of the question (How…, What…): readers browse drugs."""
    if len(letter) != 1 or letter not in browse.LETTERS:
        raise Http404("No such letter")
    return redirect("monographs:drugs_letter", letter=letter, permanent=True)


@public_page
def article_detail(request, slug):
    article = answer_page.live_article(slug)
    if article is None:
        # An old address of a live answer moves permanently to its new one.
        moved = ArticleRedirect.objects.filter(old_slug=slug, article__in=Article.objects.live()).first()
        if moved is None:
            return _withdrawn_or_not_found(request, slug)
        # The query string goes along: a bookmarked or campaign link keeps its parameters.
        query = request.META.get("QUERY_STRING", "")
        response = redirect(moved.article.get_absolute_url() + (f"?{query}" if query else ""), permanent=True)
        pages.shows(request, {cache_tags.for_pk("article", moved.article_id)})
        return response
    return render_answer(request, article)


@require_http_methods(["GET", "HEAD", "POST"])  # not TRACE, PUT or the rest: 405
@never_cache
def report_problem(request, slug):
    """A reader says what seems wrong with a live answer: a small form, never cached, no JavaScript."""
    article = get_object_or_404(Article.objects.live(), slug=slug)
    form, status = reports.ReportForm(), 200
    if request.method == "POST":
        form = reports.ReportForm(request.POST)
        if reports.too_many(request):
            status = 429
        elif form.is_valid():
            reports.record(request, article, form)
            return redirect(reverse("monographs:report", args=[slug]) + "?sent=1")
    response = render_page(
        request,
        "monographs/report.html",
        {"article": article, "form": form, "too_many": status == 429, "sent": "sent" in request.GET},
        crumbs=[
            HOME,
            ANSWERS,
            Crumb(article.question, article.get_absolute_url()),
            Crumb("Report a problem", request.path),
        ],
        meta={"title": f"Report a problem: {article.question}", "noindex": True},
    )
    response.status_code = status
    return response


def _withdrawn_or_not_found(request, slug):
    """410 Gone where a withdrawn answer was, at its address or an old one: gone for good, not mistyped."""
    withdrawn = (
        Article.objects.canonical()
        .filter(state=Article.State.WITHDRAWN)
        .filter(Q(slug=slug) | Q(redirects__old_slug=slug))
        .values_list("pk", flat=True)
        .first()
    )
    if withdrawn is None:
        raise Http404("No such answer")
    response = render_page(
        request,
        "monographs/gone.html",
        {},
        meta={"title": "Answer withdrawn", "noindex": True},
        tags=[cache_tags.for_pk("article", withdrawn)],  # restoring and signing it off again purges this page
    )
    response.status_code = 410
    return response


def render_answer(request, article, *, preview=False):
    """Render an answer page; `article` comes from for_page(), live or (for a preview) not."""
    page = answer_page.load(article)
    crumbs = [HOME, ANSWERS]
    if page.drugs:
        crumbs.append(Crumb(page.drugs[0].name, page.drugs[0].get_absolute_url()))
    crumbs.append(Crumb(article.question, article.get_absolute_url()))
    response = render_page(
        request,
        "monographs/article_detail.html",
        {"article": article, "page": page, "preview": preview},
        crumbs=crumbs,
        meta=article.meta() | {"noindex": preview},
        structured_data=[page.structured_data(request.build_absolute_uri)],
        tags=page.tags,
    )
    # The page says when the answer's review is due, and that it is overdue once that day has passed.
    overdue_from = article.overdue_from()
    turns_overdue = overdue_from if overdue_from and overdue_from > timezone.now() else None
    pages.shows(request, updated_at=article.updated_at, until=turns_overdue)
    return response


# The A to Z lists of drugs and of conditions.
SUBJECT_INDEXES = {"drugs": (Drug, "Drugs"), "conditions": (Condition, "Conditions")}


def _letter_bar(kind, current) -> list[dict]:
    """Return the A to Z bar: each letter, with the address of its page only if it has entries."""
    used = browse.letters_in_use(kind)
    return [
        {"letter": letter, "url": reverse(f"monographs:{kind}_letter", args=[letter]) if letter in used else None,
         "current": letter == current}
        for letter in browse.LETTERS
    ]  # fmt: skip


@public_page
def subject_index(request, kind, letter=None):
    model, title = SUBJECT_INDEXES[kind]
    crumbs = [HOME, Crumb(title, view=f"monographs:{kind}")]
    if letter is not None:
        if len(letter) != 1 or letter not in browse.LETTERS:
            raise Http404("No such letter")
        title = f"{title}: {letter.upper()}"
        crumbs.append(Crumb(letter.upper(), request.path))
    page = _paginate(request, browse.entries(kind, letter))
    page.object_list = browse.as_entries(kind, page.object_list)
    return render_page(
        request,
        "monographs/subject_index.html",
        {"title": title, "page": page, "letters": _letter_bar(kind, letter), "kind": kind, "letter": letter},
        crumbs=crumbs,
        meta={"title": f"{title} A to Z" if letter is None else title},
        tags=[cache_tags.SUBJECT_LISTS[model._meta.model_name]],
    )


@public_page
def drug_detail(request, slug):
    drug = get_object_or_404(Drug, slug=slug)
    # Safety first: whether its label carries a boxed warning, from the newest version imported (import_labels).
    return _subject_page(
        request, "drug", drug, conditions=list(drug.conditions.all()), extra={"label": DrugLabel.newest_for(drug)}
    )


@public_page
def condition_detail(request, slug):
    condition = get_object_or_404(Condition, slug=slug)
    return _subject_page(request, "condition", condition, drugs=list(condition.drugs.all()))


def _subject_page(request, kind, subject, extra=None, **related):
    """A drug's or condition's page: the answers about it, its support groups and the `related` subjects."""
    relation = SUBJECT_KINDS[kind].relation  # "drugs": the index page, and the answers' field
    groups = list(subject.support_groups.all())
    answers = list(Article.objects.live().filter(**{relation: subject}).for_list().order_by("question"))
    return render_page(
        request,
        f"monographs/{kind}_detail.html",
        {kind: subject, "answers": answers, "support_groups": groups, **related, **(extra or {})},
        crumbs=[
            HOME,
            Crumb(relation.capitalize(), view=f"monographs:{relation}"),
            Crumb(str(subject), request.path),
        ],
        meta=subject.meta(),
        structured_data=[subject.structured_data(request.build_absolute_uri)],
        tags=[cache_tags.answers_about(kind, subject.pk)],
        shows=[subject, *(item for items in related.values() for item in items), *groups, *answers],
    )


@public_page
def reviewer_detail(request, slug):
    reviewer = get_object_or_404(Reviewer, slug=slug)
    answers = list(Article.objects.live().filter(reviewer=reviewer).for_list().order_by("question"))
    return render_page(
        request,
        "monographs/reviewer_detail.html",
        {"reviewer": reviewer, "answers": answers},
        crumbs=[HOME, Crumb("Medical reviewers", view="monographs:reviewers"), Crumb(str(reviewer), request.path)],
        meta={"title": str(reviewer), "description": f"Medical answers reviewed by {reviewer}."},
        structured_data=[reviewer.structured_data(request.build_absolute_uri)],
        tags=[cache_tags.answers_about("reviewer", reviewer.pk)],
        shows=[reviewer, *answers],
    )


@public_page
def reviewer_index(request):
    """The medical team: everyone who reviews answers, with their credentials and registration."""
    reviewers, publisher = list(Reviewer.objects.order_by("name", "credentials")), Publisher.current()
    return render_page(
        request,
        "monographs/reviewer_index.html",
        {"reviewers": reviewers, "publisher": publisher},
        crumbs=[HOME, Crumb("Medical reviewers", request.path)],
        meta={
            "title": "Medical reviewers",
            "description": "The pharmacists and clinicians who review drugref's answers.",
        },
        tags=[cache_tags.SUBJECT_LISTS["reviewer"]],
        shows=[*reviewers, publisher],
    )


@public_page
def support_group_detail(request, slug):
    group = get_object_or_404(SupportGroup, slug=slug)
    conditions, drugs = list(group.conditions.all()), list(group.drugs.all())
    answers = list(Article.objects.live().filter(support_groups=group).for_list().order_by("question"))
    return render_page(
        request,
        "monographs/support_group_detail.html",
        {"group": group, "conditions": conditions, "drugs": drugs, "answers": answers},
        crumbs=[HOME, Crumb(group.name, request.path)],
        meta={"title": group.name, "description": group.description[:300]},
        tags=[cache_tags.answers_about("supportgroup", group.pk)],
        shows=[group, *conditions, *drugs, *answers],
    )


@public_page
def site_page(request, slug):
    page = get_object_or_404(Page, slug=slug)
    if request.path != page.get_absolute_url():  # /pages/about/ is /about/: one address, one canonical
        return redirect(page, permanent=True)
    publisher = Publisher.current() if page.slug in PUBLISHER_PAGES else None
    return render_page(
        request,
        "monographs/page.html",
        {
            "page": page,
            "review_rule": _review_rule() if page.slug == REVIEW_RULE_PAGE else None,
            "publisher": publisher,
        },
        crumbs=[HOME, Crumb(page.title, request.path)],
        meta={"title": page.title},
        shows=[page, *([publisher] if publisher else [])],
    )


# The site pages that say who publishes drugref and how to reach them (models.Publisher, edited in the admin).
PUBLISHER_PAGES = {"about", "editorial-policy"}


# The site page that states how often answers are reviewed: it shows the rule from the settings the site runs on.
REVIEW_RULE_PAGE = "editorial-policy"


def _review_rule() -> dict:
    """The review rule as the site applies it (models.effective_review_interval): the longest interval, the others."""
    longest = effective_review_interval(None)
    shorter = [label.lower() for days, label in Article.ReviewInterval.choices if days < longest]
    return {"days": longest, "shorter": shorter}


@public_page
def search(request):
    raw = request.GET.get("q", "")
    q = clean_query(raw)
    # A question asked exactly as an answer puts it goes straight to the answer.
    # Unordered, so that PostgreSQL looks it up in the question index instead of walking answers by date.
    same = Article.objects.live().filter(question__iexact=q).order_by().only("slug")[:1] if q else []
    exact = next(iter(same), None)
    if exact is not None:
        return redirect(exact)
    with planned_for_these_words(Article):
        query = understand(q, Article)
        found_answers = (
            Article.objects.live()
            .search(query)
            .for_list()
            .select_related("reviewer")
            .only("question", "slug", "reviewed_on", "updated_at", "reviewer__name", "reviewer__credentials")
        )
        page = _paginate(request, found_answers, RESULTS_PER_PAGE)
        results = list(page)
        found = results[0].total_found if results else 0
        # Little found: what the reader probably meant, each as a search of its own (never in place of theirs).
        suggestions = suggest(query, Article) if q and found < FEW_RESULTS and not page.has_previous else []
        # The drugs and conditions it names, or those its suggestions name: look-alikes side by side, none alone.
        named = query.subjects() or {s.subject for s in suggestions if s.subject}
        subjects = _subjects_first(named) if q and not page.has_previous else []
    return render_page(
        request,
        "monographs/search.html",
        {
            "q": q,
            "page": page,
            "results": results,
            "found": found,
            "more_than": MAX_COUNTED if found > MAX_COUNTED else None,
            "max_length": MAX_QUERY_LENGTH,
            "cut": len(raw) > len(q) + 1,
            "suggestions": suggestions,
            "subjects": subjects,
            # Numbered pages while the total is counted; beyond it, previous and next only.
            "pages": -(-found // RESULTS_PER_PAGE) if 0 < found <= MAX_COUNTED else None,
        },
        crumbs=[HOME, Crumb("Search", request.path)],
        meta={
            "title": (f"Search: {q}" if q else "Search") + (f" (page {page.number})" if page.number > 1 else ""),
            "noindex": True,
            # Each page of results is its own page: its query and number.
            "canonical": f"{request.path}?{urlencode({'q': q, **({'page': page.number} if page.number > 1 else {})})}"
            if q
            else request.path,
        },
        # Names change what a query finds and suggests: a drug's or condition's change purges the page too.
        tags=[cache_tags.LATEST_ANSWERS, *cache_tags.SUBJECT_LISTS.values()]
        + [cache_tags.for_pk(kind, pk) for kind, pk in named],
    )


@public_page
def search_completions(request):
    """JSON for the search box's suggestions as the reader types (static/monographs/search-suggest.js)."""
    typed = clean_query(request.GET.get("q", ""))[:MAX_QUERY_LENGTH]
    # Any change to an answer or a name may change these: purged with the search pages.
    pages.shows(request, [cache_tags.LATEST_ANSWERS, *cache_tags.SUBJECT_LISTS.values()])
    with planned_for_these_words(Article):
        return JsonResponse({"q": typed, "results": completions(typed, Article)})


def _subjects_first(named: set[tuple[str, int]]) -> list:
    """Return the drugs and conditions a query names (or nearly), drugs first, each with its live answer count."""
    found = []
    for model, kind, field in ((Drug, "drug", "drugs"), (Condition, "condition", "conditions")):
        ids = [pk for k, pk in named if k == kind]
        if ids:
            # Counted per subject from its links, among live answers (the one rule of what readers may see);
            # a filter on `articles__in=live()` would read every live answer's id first.
            about = Article.objects.live().filter(**{field: OuterRef("pk")}).order_by().values(field)
            count = Subquery(about.annotate(n=Count("*")).values("n"), output_field=IntegerField())
            found += model.objects.filter(pk__in=ids).annotate(answer_count=Coalesce(count, 0))
    return found


@public_page(answers=False)
def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap-index"))
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /search/", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@public_page(answers=False)
def favicon(request):
    return redirect(static("monographs/favicon.svg"), permanent=True)


def not_found(request, exception):
    """The friendly 404 page, with the site's navigation and search."""
    response = render_page(request, "404.html", {}, meta={"title": "Page not found", "noindex": True})
    response.status_code = 404
    return response
