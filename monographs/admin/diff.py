"""A readable, side-by-side comparison of two revisions of an answer."""

import difflib

from ..content import CONTENT_FIELDS, LINK_MODELS, SUBJECT_FIELDS
from ..models import Article, Condition, Drug, SupportGroup

NAMED_MODELS = {
    "drugs": Drug,
    "conditions": Condition,
    "support_groups": SupportGroup,
    "related_questions": Article,
    "read_next": Article,
}


def _names(model, ids):
    names = {obj.pk: str(obj) for obj in model.objects.filter(pk__in=ids)}
    return [names.get(pk, f"(deleted #{pk})") for pk in ids]


def _reviewer(revision):
    sign_off = getattr(revision, "sign_off", None)
    return f"{sign_off.reviewer}, signed off on {sign_off.reviewed_on:%B %-d, %Y}" if sign_off else "not signed off"


def compare(old, new) -> list[dict]:
    """Return one row per field: its label, whether it changed, and an HTML table of the two versions."""
    differ = difflib.HtmlDiff(wrapcolumn=60)
    rows = []

    def add(label, before: list[str], after: list[str]):
        rows.append(
            {
                "label": label,
                "changed": before != after,
                "table": differ.make_table(before, after, f"Revision {old.number}", f"Revision {new.number}"),
            }
        )

    for name in CONTENT_FIELDS:
        before, after = old.content.get(name), new.content.get(name)
        split = (lambda v: str(v or "").split("\n")) if name == "answer" else (lambda v: [str(v or "")])
        add(Article._meta.get_field(name).verbose_name, split(before), split(after))
    for name in (*SUBJECT_FIELDS, *LINK_MODELS):
        model = NAMED_MODELS[name]
        add(name.replace("_", " "), _names(model, old.content.get(name, [])), _names(model, new.content.get(name, [])))
    add("reviewer", [_reviewer(old)], [_reviewer(new)])
    return rows
