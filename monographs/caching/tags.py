"""Cache tags: names for what a public page shows, so that a change purges exactly the pages showing it.

A page is tagged with every object it shows (`answer-12`, `drug-4`), with the
lists it shows (`drug-4-answers`: the live answers about drug 4), and with its
own address (`url:/drugs/besponsa/`), so that a 404 cached at an address goes
when something is published there. A change purges the tags of what it touched.
"""

from urllib.parse import quote

from django.urls import reverse

# Lists of all live answers (the index, by drug); purged when an answer goes
# live, leaves, or changes its question, address or drugs.
ANSWER_INDEX = "answers"
# Pages that follow the newest sign-offs or any answer's text (home, feeds,
# the answers sitemap, search results); purged by every sign-off and withdrawal.
LATEST_ANSWERS = "answers-latest"

# The tag prefix of each kind of object a page can show, by model name.
PREFIXES = {
    "article": "answer",
    "drug": "drug",
    "condition": "condition",
    "reviewer": "reviewer",
    "supportgroup": "support-group",
    "page": "page",
    "publisher": "publisher",
}
# Lists of each kind of subject (the A to Z pages and sitemap sections).
SUBJECT_LISTS = {"drug": "drugs", "condition": "conditions", "reviewer": "reviewers", "supportgroup": "support-groups"}


def for_object(obj) -> str:
    """Return the tag of a model instance: `answer-12`, `drug-4`."""
    return for_pk(obj._meta.model_name, obj.pk)


def for_pk(model_name: str, pk) -> str:
    return f"{PREFIXES[model_name]}-{pk}"


def answers_about(model_name: str, pk) -> str:
    """Return the tag of the list of live answers about a subject: `drug-4-answers`."""
    return f"{for_pk(model_name, pk)}-answers"


PATH_PREFIX = "url:"


def for_path(path: str) -> str:
    """Return the tag of a page's address, quoted so that it is one header token: `url:/drugs/besponsa/`."""
    return PATH_PREFIX + quote(path)


def answer_address(slug: str) -> str:
    """Return the tag of an answer's address, whatever answers there now (a page, a redirect, a 404)."""
    return for_path(reverse("monographs:article", kwargs={"slug": slug}))


def for_objects(objects) -> set[str]:
    return {for_object(obj) for obj in objects}


# An answer's content names its subjects by these fields (see content.snapshot).
ANSWER_SUBJECTS = {"drugs": "drug", "conditions": "condition", "support_groups": "supportgroup"}


def answer_change(pk, before: dict | None, after: dict | None) -> set[str]:
    """Return the tags an answer's change purges; `before`/`after` are its live content, or None when not live.

    Content is a snapshot (question, slug, subject ids) with `reviewer_id`.
    """
    tags = {for_pk("article", pk), LATEST_ANSWERS}
    # The answers index lists answers by question under their drugs.
    if before is None or after is None or any(before.get(k) != after.get(k) for k in ("question", "slug", "drugs")):
        tags.add(ANSWER_INDEX)
    for content in filter(None, (before, after)):
        tags.add(answer_address(content["slug"]))
        for field, model_name in ANSWER_SUBJECTS.items():
            tags.update(answers_about(model_name, subject_pk) for subject_pk in content.get(field) or ())
        if content.get("reviewer_id"):
            tags.add(answers_about("reviewer", content["reviewer_id"]))
    return tags


def subject_change(obj) -> set[str]:
    """Return the tags a change to a drug, condition, reviewer, support group or site page purges."""
    model_name = obj._meta.model_name
    tags = {for_object(obj), for_path(obj.get_absolute_url())}
    if model_name in SUBJECT_LISTS:
        tags.add(SUBJECT_LISTS[model_name])
    return tags
