from django import template

from ..caching import outbox
from ..editorial import SIGN_OFF_PERMISSION
from ..models import Article, ReaderReport

register = template.Library()


@register.simple_tag(takes_context=True)
def review_counts(context):
    """Return counts of answers needing medical attention, for staff who can see answers."""
    user = context["request"].user
    if not user.has_perm("monographs.view_article"):
        return None
    return {
        "overdue": Article.objects.overdue().count(),
        "due_soon": Article.objects.due_soon().count(),
        "label_changed": Article.objects.label_changed().count(),
        "awaiting_sign_off": Article.objects.awaiting_sign_off().count(),
        "new_reports": ReaderReport.objects.filter(status=ReaderReport.Status.NEW).count(),
        "waiting_for_me": (Article.objects.waiting_for(user).count() if user.has_perm(SIGN_OFF_PERMISSION) else None),
    }


@register.inclusion_tag("admin/monographs/unpurged.html", takes_context=True)
def unpurged_banner(context):
    """Say, on every admin page, which caches still hold pages that a committed change should have purged."""
    user = context["request"].user
    if not user.is_active or not user.is_staff:
        return {"backlog": None}
    # A purge in flight is not news; one that failed at least once is, until it is delivered.
    return {"backlog": outbox.backlog(failed_only=True)}
