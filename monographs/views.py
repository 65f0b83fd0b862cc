"""Public pages. Every answer shown starts from Article.objects.live()."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import cache_control

from .models import Article, ArticleRedirect, Condition, Drug, Reviewer, SupportGroup

# Readers' pages may be kept by browsers and a CDN for a short while.
public_page = cache_control(public=True, max_age=settings.PUBLIC_CACHE_SECONDS)

RELATED_MEDICAL_QUESTIONS_LIMIT = 10
ANSWERS_PER_PAGE = 50


@public_page
def home(request):
    answers = Paginator(Article.objects.live().for_list(), ANSWERS_PER_PAGE)
    return render(request, "monographs/home.html", {"page": answers.get_page(request.GET.get("page"))})


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
    return render(
        request,
        "monographs/article_detail.html",
        {
            "article": article,
            "related_questions": related_questions,
            "read_next": read_next,
            "related_medical_questions": related_medical_questions,
            "preview": preview,
        },
    )


@public_page
def drug_detail(request, slug):
    drug = get_object_or_404(Drug, slug=slug)
    return render(
        request,
        "monographs/drug_detail.html",
        {
            "drug": drug,
            "conditions": drug.conditions.all(),
            "answers": Article.objects.live().filter(drugs=drug).for_list(),
            "support_groups": drug.support_groups.all(),
        },
    )


@public_page
def condition_detail(request, slug):
    condition = get_object_or_404(Condition, slug=slug)
    return render(
        request,
        "monographs/condition_detail.html",
        {
            "condition": condition,
            "drugs": condition.drugs.all(),
            "answers": Article.objects.live().filter(conditions=condition).for_list(),
            "support_groups": condition.support_groups.all(),
        },
    )


@public_page
def reviewer_detail(request, slug):
    reviewer = get_object_or_404(Reviewer, slug=slug)
    return render(
        request,
        "monographs/reviewer_detail.html",
        {"reviewer": reviewer, "answers": Article.objects.live().filter(reviewer=reviewer).for_list()},
    )


@public_page
def support_group_detail(request, slug):
    group = get_object_or_404(SupportGroup, slug=slug)
    return render(
        request,
        "monographs/support_group_detail.html",
        {
            "group": group,
            "conditions": group.conditions.all(),
            "drugs": group.drugs.all(),
            "answers": Article.objects.live().filter(support_groups=group).for_list(),
        },
    )
