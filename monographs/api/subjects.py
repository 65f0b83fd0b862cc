"""Drugs, conditions and reviewers: lists by position, and each one with the live answers about it."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from ninja import Query, Router

from ..models import Article, Condition, Drug, Reviewer
from . import links
from .answers import MAX_ID, summaries, summary
from .schemas import ConditionDetail, ConditionList, DrugDetail, DrugList, Error, ReviewerDetail

router = Router(tags=["drugs, conditions, reviewers"])
ANSWERS_SHOWN = 20  # on a drug or condition; `answers/?drug=` pages through the rest


def _page(request, name, queryset, after, limit, item):
    rows = list(queryset.filter(pk__gt=after).order_by("pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "results": [item(request, row) for row in rows],
        "next": links.listing(request, name, after=rows[-1].pk, limit=limit) if more else None,
        "attribution": settings.DRUGREF_API_ATTRIBUTION,
    }


def _drug(request, drug):
    return {
        "slug": drug.slug,
        "name": drug.brand_name,
        "generic_name": drug.generic_name,
        "other_names": drug.other_name_list(),
        "url": links.page(request, drug),
        "api_url": links.api(request, "drug", drug.slug),
    }


def _condition(request, condition):
    return {
        "slug": condition.slug,
        "name": condition.name,
        "abbreviation": condition.abbreviation,
        "other_names": condition.other_name_list(),
        "url": links.page(request, condition),
        "api_url": links.api(request, "condition", condition.slug),
    }


def _answers(request, **about):
    live = summaries(Article.objects.live().filter(**about).order_by("question", "pk"))
    return [summary(request, article) for article in live[:ANSWERS_SHOWN]]


@router.get("/drugs/", response={200: DrugList, 400: Error}, url_name="drugs", summary="List drugs")
def drugs(request, after: int = Query(0, ge=0, le=MAX_ID), limit: int = Query(20, ge=1, le=100)):
    return _page(request, "drugs", Drug.objects.all(), after, limit, _drug)


@router.get("/drugs/{slug}/", response={200: DrugDetail, 404: Error}, url_name="drug", summary="One drug")
def drug(request, slug: str):
    drug = get_object_or_404(Drug, slug=slug)
    return _drug(request, drug) | {
        "drug_class": drug.drug_class,
        "summary": drug.summary,
        "label_set_id": drug.label_set_id,
        "rxcui": drug.rxcui,
        "conditions": [_condition(request, c) for c in drug.conditions.all()],
        "answers": _answers(request, drugs=drug),
        "answers_url": links.listing(request, "answers", drug=drug.slug),
        "attribution": settings.DRUGREF_API_ATTRIBUTION,
    }


@router.get("/conditions/", response={200: ConditionList, 400: Error}, url_name="conditions", summary="List conditions")
def conditions(request, after: int = Query(0, ge=0, le=MAX_ID), limit: int = Query(20, ge=1, le=100)):
    return _page(request, "conditions", Condition.objects.all(), after, limit, _condition)


@router.get(
    "/conditions/{slug}/", response={200: ConditionDetail, 404: Error}, url_name="condition", summary="One condition"
)
def condition(request, slug: str):
    condition = get_object_or_404(Condition, slug=slug)
    return _condition(request, condition) | {
        "summary": condition.summary,
        "drugs": [_drug(request, d) | {"name": d.brand_name} for d in condition.drugs.all()],
        "answers": _answers(request, conditions=condition),
        "answers_url": links.listing(request, "answers", condition=condition.slug),
        "attribution": settings.DRUGREF_API_ATTRIBUTION,
    }


@router.get(
    "/reviewers/{slug}/", response={200: ReviewerDetail, 404: Error}, url_name="reviewer", summary="One reviewer"
)
def reviewer(request, slug: str):
    reviewer = get_object_or_404(Reviewer, slug=slug)
    registration = None
    if reviewer.registration_body:
        registration = {
            "body": reviewer.registration_body,
            "number": reviewer.registration_number,
            "url": reviewer.registration_url,
        }
    return {
        "slug": reviewer.slug,
        "name": reviewer.name,
        "credentials": reviewer.credentials,
        "byline_name": str(reviewer),
        "credentials_spelled_out": [
            {"short": short, "meaning": meaning} for short, meaning in reviewer.credentials_spelled_out()
        ],
        "job_title": reviewer.job_title,
        "bio": reviewer.bio,
        "registration": registration,
        "url": links.page(request, reviewer),
        "api_url": links.api(request, "reviewer", reviewer.slug),
        "attribution": settings.DRUGREF_API_ATTRIBUTION,
    }
