"""Answers: the list (by position, filtered) and each live answer as its page shows it."""

from datetime import date, datetime, time

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.shortcuts import redirect
from django.utils import timezone
from ninja import Query, Router

from .. import answer_page, rendering, sources
from ..models import Article, ArticleRedirect, Condition, Drug, SignOff
from . import links, responses
from .errors import ApiError
from .schemas import AnswerDetail, AnswerList, Error

router = Router(tags=["answers"])
MAX_ID = 2**63 - 1  # a cursor beyond any id is an empty page, not a database error


def live_revision():
    """The revision readers see of each answer: the one signed off last."""
    signed = SignOff.objects.filter(article=OuterRef("pk")).order_by("-signed_at", "-pk")
    return Subquery(signed.values("revision__number")[:1])


def summary(request, article) -> dict:
    return {
        "id": article.pk,
        "slug": article.slug,
        "question": article.question,
        "summary": article.summary,
        "revision": getattr(article, "live_revision", None),
        "reviewed_on": article.reviewed_on,
        "url": links.page(request, article),
        "api_url": links.api(request, "answer", article.slug),
    }


def summaries(queryset):
    """Live answers as list items need: the few fields, and the revision readers see."""
    return queryset.only("question", "slug", "summary", "reviewed_on").annotate(live_revision=live_revision())


@router.get("/answers/", response={200: AnswerList, 400: Error}, url_name="answers", summary="List live answers")
def answers(
    request,
    drug: str | None = Query(None, description="Only answers about the drug with this slug."),
    condition: str | None = Query(None, description="Only answers about the condition with this slug."),
    updated_since: datetime | date | None = Query(None, description="Only answers changed since (ISO 8601)."),
    after: int = Query(0, ge=0, le=MAX_ID, description="The cursor: the last id of the page before."),
    limit: int = Query(20, ge=1, le=100),
):
    queryset = Article.objects.live().filter(pk__gt=after)
    for name, model, value in (("drug", Drug, drug), ("condition", Condition, condition)):
        if value is not None:
            subject = model.objects.filter(slug=value).first()
            if subject is None:
                raise ApiError(400, "bad_request", f"{name}: there is no {name} with the slug “{value}”.")
            queryset = queryset.filter(**{f"{name}s": subject})
    if updated_since is not None:
        since = updated_since
        if not isinstance(since, datetime):
            since = datetime.combine(since, time.min)
        if timezone.is_naive(since):
            since = timezone.make_aware(since)
        queryset = queryset.filter(updated_at__gte=since)
    rows = list(summaries(queryset.order_by("pk"))[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    query = {"drug": drug, "condition": condition, "updated_since": updated_since and updated_since.isoformat()}
    return {
        "results": [summary(request, article) for article in rows],
        "next": links.listing(request, "answers", **query, after=rows[-1].pk, limit=limit) if more else None,
        "attribution": settings.DRUGREF_API_ATTRIBUTION,
    }


@router.get(
    "/answers/{slug}/",
    response={200: AnswerDetail, 301: Error, 404: Error, 410: Error},
    url_name="answer",
    summary="One live answer, as its page shows it",
)
def answer(request, slug: str):
    if hit := responses.cached(request):
        return hit
    seen = responses.generation()
    article = answer_page.live_article(slug)
    if article is None:
        return _not_live(request, slug)
    page = answer_page.load(article)
    overdue_from = article.overdue_from()
    return responses.respond(
        request,
        AnswerDetail(**detail(request, page)).model_dump(mode="json"),
        tags=page.tags,
        seen_generation=seen,
        updated_at=article.updated_at,
        until=overdue_from if overdue_from and overdue_from > timezone.now() else None,
    )


def _not_live(request, slug):
    """A slug with no live answer: moved (301 to its new address), withdrawn (410), or never there (404)."""
    moved = ArticleRedirect.objects.filter(old_slug=slug, article__state=Article.State.PUBLISHED).first()
    if moved is not None:
        response = redirect(links.api(request, "answer", moved.article.slug), permanent=True)
        response["Cache-Control"] = "no-store"
        return response
    if Article.objects.canonical().filter(slug=slug, state=Article.State.WITHDRAWN).exists():
        raise ApiError(410, "withdrawn", f"The answer at “{slug}” was withdrawn: remove your copy.")
    raise ApiError(404, "not_found", f"There is no live answer at “{slug}”.")


def detail(request, page) -> dict:
    """Everything the answer's page shows, from the same queries (answer_page.py)."""
    article = page.article
    reviewer = article.reviewer
    shown = page.answer
    return summary(request, article) | {
        "revision": article.live_revision,
        # As written, warning blocks in place (`warnings` has them apart), citations linked to `sources`.
        "answer_html": sources.link_citations(article.answer_html, len(article.sources or [])).html,
        "answer_text": article.answer_text,
        "warnings": [{"label": w.label, "html": w.html, "text": rendering.plain_text(w.html)} for w in shown.warnings],
        "sources": [
            {"number": number, **{key: value or None for key, value in vars(source).items()}}
            for number, source in enumerate(page.sources, 1)
        ],
        "reviewer": reviewer
        and {
            "slug": reviewer.slug,
            "name": reviewer.name,
            "credentials": reviewer.credentials,
            "byline_name": str(reviewer),
            "url": links.page(request, reviewer),
            "api_url": links.api(request, "reviewer", reviewer.slug),
        },
        "byline": page.byline,
        "first_published_on": article.first_published_on,
        "next_review_due": article.review_due_on,
        "review_status": (article.review_status() or "current").replace(" ", "_"),
        "label_changed_on": article.label_changed_on,
        "updated_at": article.updated_at,
        "drugs": [_subject(request, s, "drug") for s in page.drugs],
        "conditions": [_subject(request, s, "condition") for s in page.conditions],
        "support_groups": [_subject(request, s, None) for s in page.support_groups],
        "related_questions": [_link(request, a) for a in page.related_questions],
        "read_next": [_link(request, a) for a in page.read_next],
        "related_medical_questions": [_link(request, a) for a in page.related_medical_questions],
        "attribution": settings.DRUGREF_API_ATTRIBUTION,
    }


def _subject(request, subject, api_name):
    return {
        "slug": subject.slug,
        "name": subject.name,
        "url": links.page(request, subject),
        "api_url": links.api(request, api_name, subject.slug) if api_name else None,
        "generic_name": subject.detail if subject.kind == "drug" else None,
    }


def _link(request, article):
    return {
        "slug": article.slug,
        "question": article.question,
        "url": links.page(request, article),
        "api_url": links.api(request, "answer", article.slug),
    }
