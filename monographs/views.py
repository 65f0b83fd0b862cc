"""Public pages. Every answer shown starts from Article.objects.live()."""

import string
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import cache_control

from .models import Article, ArticleRedirect, Condition, Drug, Page, Reviewer, SupportGroup
from .search import MAX_QUERY_LENGTH, clean_query, highlighted

# Readers' pages may be kept by browsers and a CDN for a short while.
public_page = cache_control(public=True, max_age=settings.PUBLIC_CACHE_SECONDS)

RELATED_MEDICAL_QUESTIONS_LIMIT = 10
LATEST_ON_HOME = 10
PER_PAGE = 50
RESULTS_PER_PAGE = 20
LETTERS = string.ascii_lowercase


@dataclass(frozen=True)
class Crumb:
    name: str
    url: str


HOME = Crumb("Home", "/")
ANSWERS = Crumb("Medical answers", "/medical-answers/")


def render_page(request, template, context, *, crumbs=(), meta=None, structured_data=()):
    """Render a public page with its breadcrumbs, head tags and JSON-LD."""
    crumbs = list(crumbs)
    data = list(structured_data)
    if len(crumbs) > 1:
        data.append(breadcrumb_list(crumbs, request.build_absolute_uri))
    return render(
        request,
        template,
        {**context, "breadcrumbs": crumbs, "meta": meta or {}, "structured_data": data},
    )


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
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


@public_page
def home(request):
    return render_page(
        request,
        "monographs/home.html",
        {
            "latest": Article.objects.live().for_list().order_by("-reviewed_on", "question")[:LATEST_ON_HOME],
            "letters": LETTERS,
        },
        meta={"description": "Answers to questions about medicines, written and medically reviewed by pharmacists."},
    )


@public_page
def answer_index(request, letter=None):
    answers = Article.objects.live().for_list().order_by("question")
    title = "Medical answers"
    crumbs = [HOME, ANSWERS]
    if letter is not None:
        if letter not in LETTERS:
            raise Http404("No such letter")
        answers = answers.filter(question__istartswith=letter)
        title = f"Medical answers: {letter.upper()}"
        crumbs.append(Crumb(letter.upper(), request.path))
    return render_page(
        request,
        "monographs/answer_index.html",
        {"page": _paginate(request, answers), "letters": LETTERS, "letter": letter, "title": title},
        crumbs=crumbs,
        meta={"title": title, "description": "All medical answers on drugref, from A to Z."},
    )


@public_page
def article_detail(request, slug):
    try:
        article = Article.objects.live().for_page().get(slug=slug)
    except Article.DoesNotExist:
        # An old address of a live answer moves permanently to its new one.
        moved = ArticleRedirect.objects.filter(old_slug=slug, article__in=Article.objects.live()).first()
        if moved is None:
            raise Http404("No such answer") from None
        return redirect(moved.article, permanent=True)
    return render_answer(request, article)


def render_answer(request, article, *, preview=False):
    """Render an answer page; `article` comes from for_page(), live or (for a preview) not."""
    related_questions = article.related_questions
    read_next = article.read_next
    # Derived links leave out what the curated sections already list.
    listed = [answer.pk for answer in related_questions + read_next]
    related_medical_questions = (
        Article.objects.live().sharing_subjects_with(article).exclude(pk__in=listed).for_list()
    )[:RELATED_MEDICAL_QUESTIONS_LIMIT]
    drugs = list(article.drugs.all())
    crumbs = [HOME, ANSWERS]
    if drugs:
        crumbs.append(Crumb(drugs[0].brand_name, drugs[0].get_absolute_url()))
    crumbs.append(Crumb(article.question, article.get_absolute_url()))
    return render_page(
        request,
        "monographs/article_detail.html",
        {
            "article": article,
            "related_questions": related_questions,
            "read_next": read_next,
            "related_medical_questions": related_medical_questions,
            "preview": preview,
        },
        crumbs=crumbs,
        meta=article.meta() | {"noindex": preview},
        structured_data=[article.structured_data(request.build_absolute_uri)],
    )


# The A to Z lists of drugs and of conditions.
SUBJECT_INDEXES = {"drugs": (Drug, "Drugs"), "conditions": (Condition, "Conditions")}


@public_page
def subject_index(request, kind):
    model, title = SUBJECT_INDEXES[kind]
    return render_page(
        request,
        "monographs/subject_index.html",
        {"title": title, "page": _paginate(request, model.objects.all())},
        crumbs=[HOME, Crumb(title, request.path)],
        meta={"title": f"{title} A to Z"},
    )


@public_page
def drug_detail(request, slug):
    drug = get_object_or_404(Drug, slug=slug)
    return render_page(
        request,
        "monographs/drug_detail.html",
        {
            "drug": drug,
            "conditions": drug.conditions.all(),
            "answers": Article.objects.live().filter(drugs=drug).for_list().order_by("question"),
            "support_groups": drug.support_groups.all(),
        },
        crumbs=[HOME, Crumb("Drugs", reverse("monographs:drugs")), Crumb(drug.brand_name, request.path)],
        meta=drug.meta(),
        structured_data=[drug.structured_data(request.build_absolute_uri)],
    )


@public_page
def condition_detail(request, slug):
    condition = get_object_or_404(Condition, slug=slug)
    return render_page(
        request,
        "monographs/condition_detail.html",
        {
            "condition": condition,
            "drugs": condition.drugs.all(),
            "answers": Article.objects.live().filter(conditions=condition).for_list().order_by("question"),
            "support_groups": condition.support_groups.all(),
        },
        crumbs=[HOME, Crumb("Conditions", reverse("monographs:conditions")), Crumb(str(condition), request.path)],
        meta=condition.meta(),
        structured_data=[condition.structured_data(request.build_absolute_uri)],
    )


@public_page
def reviewer_detail(request, slug):
    reviewer = get_object_or_404(Reviewer, slug=slug)
    return render_page(
        request,
        "monographs/reviewer_detail.html",
        {
            "reviewer": reviewer,
            "answers": Article.objects.live().filter(reviewer=reviewer).for_list().order_by("question"),
        },
        crumbs=[HOME, Crumb(str(reviewer), request.path)],
        meta={"title": str(reviewer), "description": f"Medical answers reviewed by {reviewer}."},
    )


@public_page
def support_group_detail(request, slug):
    group = get_object_or_404(SupportGroup, slug=slug)
    return render_page(
        request,
        "monographs/support_group_detail.html",
        {
            "group": group,
            "conditions": group.conditions.all(),
            "drugs": group.drugs.all(),
            "answers": Article.objects.live().filter(support_groups=group).for_list().order_by("question"),
        },
        crumbs=[HOME, Crumb(group.name, request.path)],
        meta={"title": group.name, "description": group.description[:300]},
    )


@public_page
def site_page(request, slug):
    page = get_object_or_404(Page, slug=slug)
    return render_page(
        request,
        "monographs/page.html",
        {"page": page},
        crumbs=[HOME, Crumb(page.title, request.path)],
        meta={"title": page.title},
    )


@public_page
def search(request):
    raw = request.GET.get("q", "")
    q = clean_query(raw)
    # A question asked exactly as an answer puts it goes straight to the answer.
    exact = Article.objects.live().filter(question__iexact=q).only("slug").first() if q else None
    if exact is not None:
        return redirect(exact)
    page = _paginate(request, Article.objects.live().search(q).for_list(), RESULTS_PER_PAGE)
    results = [(answer, highlighted(answer.snippet)) for answer in page]
    return render_page(
        request,
        "monographs/search.html",
        {"q": q, "page": page, "results": results, "max_length": MAX_QUERY_LENGTH, "cut": len(raw) > len(q) + 1},
        crumbs=[HOME, Crumb("Search", request.path)],
        meta={"title": f"Search: {q}" if q else "Search", "noindex": True},
    )


def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap-index"))
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /search/", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def not_found(request, exception):
    """The friendly 404 page, with the site's navigation and search."""
    response = render_page(request, "404.html", {}, meta={"title": "Page not found", "noindex": True})
    response.status_code = 404
    return response
