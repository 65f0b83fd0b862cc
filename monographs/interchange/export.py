"""Export answers as import records (docs/import-format.md): the answers, then the subjects they name.

Output is stable (answers by slug, subjects by name, fixed key order), so an
export imported into an empty database exports again byte for byte.
"""

from ..content import CONTENT_FIELDS, LINK_MODELS, SUBJECT_FIELDS, link_ids, subject_ids
from ..models import (
    KIND_OF_LIST,
    NAME_LISTS,
    SUBJECT_KINDS,
    Article,
    Condition,
    Drug,
    Reviewer,
    SupportGroup,
)
from .mapping import ARTICLE_FIELDS

CHUNK = 2000
EMPTY_NAMES = {name: [] for name in (*SUBJECT_FIELDS, *LINK_MODELS)}


def article_records(queryset):
    """Yield the answers as import records (docs/import-format.md), by slug, a chunk at a time.

    Plain rows, not model instances: a chunk of 2,000 answers costs six queries.
    """
    reviewers = {
        pk: {"name": name, "credentials": credentials}
        for pk, name, credentials in Reviewer.objects.values_list("pk", "name", "credentials")
    }
    # Link targets by id: joining the answers table for each chunk's links costs far more.
    slugs = dict(Article.objects.canonical().values_list("pk", "slug"))
    answers = queryset.canonical().order_by("slug")
    last = None
    while True:
        chunk = list((answers.filter(slug__gt=last) if last else answers).values(*ROW_FIELDS)[:CHUNK])
        if not chunk:
            return
        last = chunk[-1]["slug"]
        names = _names([row["id"] for row in chunk], slugs)
        for row in chunk:
            yield _record(row, reviewers, EMPTY_NAMES | names.get(row["id"], {}))


ROW_FIELDS = ("id", "external_id", *CONTENT_FIELDS, "state", "reviewer_id", "reviewed_on")


def _names(ids, slugs) -> dict[int, dict[str, list[str]]]:
    """Return, for each answer id, its drugs, conditions and support groups by name, and its links by slug."""
    names = subject_ids(ids, names=True)
    for pk, links in link_ids(ids).items():
        names[pk] |= {name: [slugs[target] for target in targets] for name, targets in links.items()}
    return names


def _record(row, reviewers, names) -> dict:
    record = {"kind": "article"}
    if row["external_id"]:
        record["external_id"] = row["external_id"]
    # Every content field, but none the answer leaves to the site's default (no interval) or has none of (sources).
    record |= {name: row[name] for name in CONTENT_FIELDS if row[name] not in (None, [])}
    # A sign-off ahead of time lives in the admin, not in files.
    record["state"] = "in_review" if row["state"] == "scheduled" else row["state"]
    if row["reviewer_id"]:
        record["reviewer"] = reviewers[row["reviewer_id"]]
    if row["reviewed_on"]:
        record["reviewed_on"] = row["reviewed_on"].isoformat()
    record |= names
    return {name: record[name] for name in ARTICLE_FIELDS if name in record}


def no_subjects() -> dict[str, set]:
    """An empty collection of the subjects records name, by kind, for `note_subjects`."""
    return {kind: set() for kind in SUBJECT_KINDS}


def note_subjects(record, used):
    """Add the subjects an answer's record names (reviewer, drugs, conditions, support groups) to `used`."""
    if "reviewer" in record:
        used["reviewer"].add((record["reviewer"]["name"], record["reviewer"]["credentials"]))
    for relation, kind in KIND_OF_LIST.items():
        used[kind.name].update(record[relation])


def subject_records(used):
    """Yield records for the subjects used (by name), and for those they name in turn, by kind and name."""
    groups = [
        g for g in SupportGroup.objects.prefetch_related("conditions", "drugs") if g.name in used["support_group"]
    ]
    used["drug"].update(d.brand_name for g in groups for d in g.drugs.all())
    drugs = [d for d in Drug.objects.prefetch_related("conditions") if d.brand_name in used["drug"]]
    used["condition"].update(c.name for g in groups for c in g.conditions.all())
    used["condition"].update(c.name for d in drugs for c in d.conditions.all())
    for reviewer in Reviewer.objects.order_by("name", "credentials"):
        if (reviewer.name, reviewer.credentials) in used["reviewer"]:
            yield _subject_record("reviewer", reviewer)
    for condition in Condition.objects.filter(name__in=used["condition"]).order_by("name"):
        yield _subject_record("condition", condition)
    for drug in sorted(drugs, key=lambda d: d.brand_name):
        yield _subject_record("drug", drug)
    for group in sorted(groups, key=lambda g: g.name):
        yield _subject_record("support_group", group)


def _subject_record(kind_name, obj) -> dict:
    """A subject's record: its kind, its name, then its other fields, lists of subjects by name, sorted."""
    kind = SUBJECT_KINDS[kind_name]
    record = {"kind": kind.name, kind.name_field: getattr(obj, kind.name_field)}
    for field in kind.fields:
        if field in kind.lists:
            name_field = KIND_OF_LIST[field].name_field
            record[field] = sorted(getattr(other, name_field) for other in getattr(obj, field).all())
        elif field in NAME_LISTS:
            record[field] = obj.other_name_list()  # in the order the editors gave them
        else:
            record[field] = getattr(obj, field)
    return record
