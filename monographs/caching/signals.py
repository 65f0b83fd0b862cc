"""Purge the pages that show a subject (drug, condition, reviewer, support group, site page, publisher) on a change.

Answers go live and leave through editorial.py and the importer, which purge
explicitly; subjects are plain records edited in the admin (or the shell), so
their saves, deletions and relations purge here, whichever way they are made.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from ..models import Article, Condition, Drug, Page, Publisher, ReadNext, RelatedQuestion, Reviewer, SupportGroup
from . import tags
from .purge import purge

SUBJECT_MODELS = (Drug, Condition, Reviewer, SupportGroup, Page, Publisher)
# Many-to-many relations whose either side a page lists.
RELATIONS = [
    Drug.conditions.through,
    SupportGroup.conditions.through,
    SupportGroup.drugs.through,
    Article.drugs.through,
    Article.conditions.through,
    Article.support_groups.through,
]


def subject_changed(sender, instance, **kwargs):
    purge(tags.subject_change(instance))


def relation_changed(sender, instance, action, model, pk_set, **kwargs):
    """Purge the pages a changed many-to-many relation shows on."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if action == "pre_clear":
        own, other = _ends(sender, type(instance))
        pk_set = set(sender.objects.filter(**{own.attname: instance.pk}).values_list(other.attname, flat=True))
    ends = {type(instance)._meta.model_name: {instance.pk}, model._meta.model_name: set(pk_set or ())}
    answers = ends.pop("article", None)
    if answers is None:
        # Two subjects (a drug and its conditions, say): each one's page lists the other.
        purge({tags.for_pk(name, pk) for name, pks in ends.items() for pk in pks})
        return
    # An answer gained or lost a subject: if it is live, that subject's list of answers changed.
    if Article.objects.live().filter(pk__in=answers).exists():
        [(name, pks)] = ends.items()
        purge({*(tags.for_pk("article", pk) for pk in answers), *(tags.answers_about(name, pk) for pk in pks)})


def link_changed(sender, instance, **kwargs):
    purge({tags.for_pk("article", instance.source_id)})


def _ends(through, model):
    """Return (the foreign key to `model`, the other foreign key) of a through model."""
    keys = [f for f in through._meta.fields if f.is_relation]
    own = next(f for f in keys if f.related_model is model)
    return own, next(f for f in keys if f is not own)


def connect():
    for model in SUBJECT_MODELS:
        post_save.connect(subject_changed, sender=model, dispatch_uid=f"pagecache-save-{model.__name__}")
        post_delete.connect(subject_changed, sender=model, dispatch_uid=f"pagecache-delete-{model.__name__}")
    for through in RELATIONS:
        m2m_changed.connect(relation_changed, sender=through, dispatch_uid=f"pagecache-m2m-{through.__name__}")
    for model in (RelatedQuestion, ReadNext):
        post_save.connect(link_changed, sender=model, dispatch_uid=f"pagecache-link-save-{model.__name__}")
        post_delete.connect(link_changed, sender=model, dispatch_uid=f"pagecache-link-delete-{model.__name__}")
