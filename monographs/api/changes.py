"""The changes feed: what changed for readers, in commit order, from a cursor (changefeed.py writes it)."""

from django.conf import settings
from django.urls import reverse
from ninja import Query, Router

from ..models import ContentChange
from . import links
from .answers import MAX_ID
from .schemas import ChangeList, Error

router = Router(tags=["changes"])


@router.get(
    "/changes/",
    response={200: ChangeList, 400: Error},
    url_name="changes",
    summary="Every change to what readers see, in order",
    description=(
        "Start from `after=0` and follow `next`. Apply each change to your copy: published, updated, "
        "address_changed (the answer moved from `previous_slug`) and restored mean fetch `api_url`; withdrawn "
        "means remove it. Done in order, your copy holds exactly the live answers."
    ),
)
def changes(
    request,
    after: int = Query(0, ge=0, le=MAX_ID, description="The id of the last change you applied."),
    limit: int = Query(100, ge=1, le=1000),
):
    rows = list(ContentChange.objects.filter(pk__gt=after).order_by("pk")[:limit])
    answer = reverse("api:answer", kwargs={"slug": "-"})[: -len("-/")]
    page = reverse("monographs:article", kwargs={"slug": "-"})[: -len("-/")]
    return {
        "results": [
            {
                "id": row.pk,
                "kind": row.kind,
                "answer_id": row.article_id,
                "slug": row.slug,
                "previous_slug": row.previous_slug or None,
                "revision": row.revision,
                "at": row.at,
                "url": request.build_absolute_uri(f"{page}{row.slug}/"),
                "api_url": request.build_absolute_uri(f"{answer}{row.slug}/"),
            }
            for row in rows
        ],
        "next": links.listing(request, "changes", after=rows[-1].pk if rows else after, limit=limit),
        "attribution": settings.DRUGREF_API_ATTRIBUTION,
    }
