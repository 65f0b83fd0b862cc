"""An answer's content as plain data: what a revision records and what a sign-off publishes.

A snapshot is a dict of the text fields, the ids of the subjects (drugs,
conditions, support groups) and the ordered ids of the linked answers.
Revisions store snapshots; sign-off, restore and undo apply them; imports,
exports and the diff read these field lists to know what an answer carries.
"""

from collections import defaultdict

from .lookups import any_of
from .models import KIND_OF_LIST, Article, ReadNext, RelatedQuestion
from .text import normalised_or_same

# What a revision records, and what a sign-off publishes.
CONTENT_FIELDS = ("question", "slug", "answer", "summary", "sources", "review_interval_days")
SUBJECT_FIELDS = tuple(KIND_OF_LIST)  # "drugs", "conditions", "support_groups"
LINK_MODELS = {"related_questions": RelatedQuestion, "read_next": ReadNext}
FIELDS = (*CONTENT_FIELDS, *SUBJECT_FIELDS, *LINK_MODELS)  # everything an answer carries, in reading order


def changed_fields(before: dict, after: dict) -> list[str]:
    """Return the names of the content fields that differ between two snapshots.

    Text is compared as drugref stores it now, so a revision saved before text was
    normalised (CRLF from a browser, say) does not differ from the same words saved since.
    """
    return [name.replace("_", " ") for name in FIELDS if differs(before.get(name), after.get(name))]


def differs(before, after) -> bool:
    """Return whether two values of one content field differ in what they say."""
    return normalised_or_same(before) != normalised_or_same(after)


def three_way(base: dict, theirs: dict, yours: dict, names) -> dict[str, list[str]]:
    """Sort the fields `names` of two edits of `base`: changed by them only, by you only, or by both differently.

    What a form does with an edit conflict: their fields are kept as theirs, yours as
    yours, and the editor chooses for the rest.
    """
    sorted_out = {"theirs": [], "yours": [], "both": []}
    for name in names:
        they_changed = differs(base.get(name), theirs.get(name))
        you_changed = differs(base.get(name), yours.get(name))
        if they_changed and you_changed and differs(theirs.get(name), yours.get(name)):
            sorted_out["both"].append(name)
        elif they_changed and not you_changed:
            sorted_out["theirs"].append(name)
        elif you_changed and not they_changed:
            sorted_out["yours"].append(name)
    return sorted_out


def snapshot(article: Article) -> dict:
    """Return an answer's content as plain data: text fields, subject ids, ordered link targets."""
    return snapshots([article.pk])[article.pk]


def subject_ids(pks, *, names=False) -> dict[int, dict[str, list]]:
    """Return the drugs, conditions and support groups of many answers, sorted, a query per kind.

    Their ids; or, with `names`, their names (a drug's brand name), as exports write them.
    """
    subjects = defaultdict(lambda: {name: [] for name in SUBJECT_FIELDS})
    for name in SUBJECT_FIELDS:
        through = Article._meta.get_field(name).remote_field.through
        kind = KIND_OF_LIST[name]
        target = f"{kind.model._meta.model_name}__{kind.name_field}" if names else f"{kind.model._meta.model_name}_id"
        rows = through.objects.filter(any_of("article_id", set(pks))).values_list("article_id", target)
        for article_id, target_value in rows:
            subjects[article_id][name].append(target_value)
    for values in subjects.values():
        for name in SUBJECT_FIELDS:
            values[name].sort()
    return subjects


def snapshots(pks) -> dict[int, dict]:
    """Return the content of many answers at once, in a fixed number of queries."""
    return with_relations(Article.objects.filter(any_of("pk", pks)).values("pk", *CONTENT_FIELDS))


def with_relations(rows) -> dict[int, dict]:
    """Return answer rows (dicts with "pk") by pk, each with its subject ids and link targets added."""
    rows = list(rows)
    found = [row["pk"] for row in rows]
    subjects, links = subject_ids(found), link_ids(found)
    contents = {}
    for row in rows:
        pk = row.pop("pk")
        contents[pk] = row | subjects[pk] | links[pk]
    return contents


def link_ids(pks) -> dict[int, dict[str, list[int]]]:
    """Return the curated link targets of many answers, in reading order, a query per kind of link."""
    links = defaultdict(lambda: {name: [] for name in LINK_MODELS})
    for name, model in LINK_MODELS.items():
        rows = model.objects.filter(any_of("source_id", set(pks))).order_by("source_id", "position", "pk")
        for source_id, target_id in rows.values_list("source_id", "target_id"):
            links[source_id][name].append(target_id)
    return links


def apply_content(article: Article, content: dict, **fields) -> Article:
    """Save `content` (and any other `fields`) to `article`, with its subjects and links."""
    for name in CONTENT_FIELDS:
        setattr(article, name, content.get(name, getattr(article, name)))
    for name, value in fields.items():
        setattr(article, name, value)
    article.save()
    for name in SUBJECT_FIELDS:
        if name in content:
            related = getattr(article, name)
            related.set(related.model.objects.filter(pk__in=content[name]))
    for name, model in LINK_MODELS.items():
        if name not in content:
            continue
        model.objects.filter(source=article).delete()
        existing = set(
            Article.objects.canonical()
            .filter(pk__in=content[name])
            .exclude(pk=article.canonical_pk)
            .values_list("pk", flat=True)
        )
        targets = [pk for pk in dict.fromkeys(content[name]) if pk in existing]
        model.objects.bulk_create(
            model(source=article, target_id=pk, position=position) for position, pk in enumerate(targets)
        )
    return article


def live_content(article: Article) -> dict | None:
    """Return what readers see of an answer (its snapshot and reviewer), or None if it is not live."""
    if not article.is_live:
        return None
    return snapshot(article) | {"reviewer_id": article.reviewer_id}
