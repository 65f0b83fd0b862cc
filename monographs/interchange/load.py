"""The one loader: write a validated run to the database in batches, idempotently.

Subjects (drugs, conditions, reviewers, support groups) are written first.
Then every answer of the run gets its id, its own if it is in the database
already, else one reserved for it, so that links to answers later in the run
resolve at once. Answers are then written a batch at a time, each with its
subjects, curated links and one revision per changed answer: signed off by
the record's reviewer on the record's date when the record publishes it.
Whatever is unchanged is not written at all, not even a timestamp.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models.functions import MD5, Lower
from django.utils import timezone

from .. import bulk, changefeed, editorial
from ..caching import tags as cache_tags
from ..caching.purge import purge
from ..content import CONTENT_FIELDS, FIELDS, LINK_MODELS, with_relations
from ..lookups import any_of, matching
from ..models import KIND_OF_LIST, SUBJECT_KINDS, Article, ImportBatch, Revision
from ..slugs import give_slugs
from .fast.background import ahead
from .records import ArticleRecord, InvalidInput, SubjectRecord

BATCH = 1000
# A record's own values written to the answer's row: its content's text fields, then where it stands.
TEXT_FIELDS = (*CONTENT_FIELDS, "state", "reviewed_on")
SUBJECTS = {relation: kind.name for relation, kind in KIND_OF_LIST.items()}  # "drugs": "drug"

# An answer's rows in its subject and link tables: (answer column, other column).
THROUGH = {name: Article._meta.get_field(name).remote_field.through for name in SUBJECTS} | LINK_MODELS
COLUMNS = {name: ("article_id", f"{kind.model._meta.model_name}_id") for name, kind in KIND_OF_LIST.items()} | {
    name: ("source_id", "target_id") for name in LINK_MODELS
}
# What the loader reads of an answer in the database to compare a record with (the answer by its MD5).
ROW_FIELDS = (
    *(name for name in CONTENT_FIELDS if name != "answer"),
    "state",
    "reviewer_id",
    "reviewed_on",
    "external_id",
    "version",
)
NEW_COLUMNS = ("id", "answer", "answer_html", "answer_text", "created_at", "updated_at", *ROW_FIELDS)
NEW_ROW = {"review_interval_days": None, "sources": [], "external_id": None, "version": 1}
NEW_CONTENT = {"review_interval_days": None, "sources": []} | {name: [] for name in THROUGH}
REVISION_FIELDS = FIELDS
CHANGE_NAMES = {"reviewer_id": "reviewer", "reviewed_on": "review date", "external_id": "external ID"}


@dataclass
class LoadResult:
    created: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: int = 0
    batch: ImportBatch | None = None
    # Drugs, conditions, reviewers and support groups: (kind, id) -> what the run did, as the batch keeps it.
    subjects: dict = field(default_factory=dict)

    def subject_counts(self) -> tuple[int, int]:
        """Return (subjects created, subjects updated)."""
        created = sum(1 for change in self.subjects.values() if change.get("created"))
        return created, len(self.subjects) - created


class Loader:
    """Load one run; call inside a transaction, after the run has been validated."""

    def __init__(self, *, run_by: str, files: list[str], on_draft: str = "merge"):
        self.run_by, self.files = run_by, files
        # A live answer this run changes may have a pending draft: "merge" takes the change into it
        # (editorial.take_into_drafts), "refuse" stops the run there, naming the draft.
        self.on_draft = on_draft
        self.refused = []  # problems found by "refuse"
        self.batch = None  # made when the run first writes something
        self.wrote = False
        self.now = timezone.now()
        self.result = LoadResult()
        self.ids = {kind: {} for kind in SUBJECT_KINDS}  # kind -> key -> id
        self.answer_ids = {}  # slug -> id: every answer of the run, and the link targets outside it
        self.purges = set()  # cache tags of the pages the run changes
        self.changes = []  # and the changes feed's entries for them
        self.existing = set()  # ids of those already in the database
        self.seen = 0

    # Subjects

    def load_subjects(self, records: dict, inline: dict):
        """Create or update subject records, and create subjects named inline but missing."""
        # Each kind after the kinds it names: conditions and reviewers, then drugs, then support groups.
        for kind in sorted(SUBJECT_KINDS, key=lambda kind: len(SUBJECT_KINDS[kind].lists)):
            wanted = {key: r for (k, key), r in records.items() if k == kind}
            for key, values in inline.get(kind, {}).items():
                wanted.setdefault(key, values)
            self._load_kind(kind, wanted)

    def _load_kind(self, kind, wanted):
        subject = SUBJECT_KINDS[kind]
        model, name_field = subject.model, subject.name_field
        if kind == "reviewer":  # known by name and credentials: find them by name, keep those wanted
            rows = matching(model.objects.all(), "name", {name for name, _ in wanted})
        else:
            rows = matching(model.objects.annotate(key=Lower(name_field)), "key", wanted)
        existing = {}
        for obj in rows:
            key = subject.key(getattr(obj, name_field), getattr(obj, "credentials", ""))
            if key in wanted:
                existing[key] = obj
        new, changed, relations, touched = [], set(), {}, []
        for key, spec in wanted.items():
            obj = existing.get(key)
            fields = _plain_fields(spec)
            if obj is None:
                name = spec.name if isinstance(spec, SubjectRecord) else spec["name"]
                obj = model(**{name_field: name}, **fields)
                new.append(obj)
            elif isinstance(spec, SubjectRecord):
                diff = {a: [getattr(obj, a), value] for a, value in fields.items() if getattr(obj, a) != value}
                for attr, (_, value) in diff.items():
                    setattr(obj, attr, value)
                if diff:
                    changed |= diff.keys()
                    touched.append(obj)
                    self._subject_changed(kind, obj.pk)["fields"] = diff
            if isinstance(spec, SubjectRecord):
                relations[key] = (obj, {rel: spec.fields[rel] for rel in subject.lists if rel in spec.fields})
            existing[key] = obj
        give_slugs(model, new, name_field)
        model.objects.bulk_create(new, batch_size=BATCH)
        for obj in new:
            self._subject_changed(kind, obj.pk)["created"] = True
        self.wrote |= bool(new or changed)
        if changed:
            model.objects.bulk_update([o for o in existing.values() if o.pk], list(changed), batch_size=BATCH)
        for obj in (*new, *touched):
            self.purges |= cache_tags.subject_change(obj)
        for key, obj in existing.items():
            self.ids[kind][key] = obj.pk
        self._set_subject_relations(kind, relations)

    def _set_subject_relations(self, kind, relations):
        for relation in SUBJECT_KINDS[kind].lists:
            target_kind, target_model = KIND_OF_LIST[relation].name, KIND_OF_LIST[relation].model._meta.model_name
            items = [(obj, names[relation]) for obj, names in relations.values() if relation in names]
            if not items:
                continue
            manager = getattr(SUBJECT_KINDS[kind].model, relation)
            through, own = manager.through, f"{SUBJECT_KINDS[kind].model._meta.model_name}_id"
            other = f"{target_kind}_id"
            current = defaultdict(set)
            pks = [obj.pk for obj, _ in items]
            # One array parameter (lookups.any_of): 250,000 drugs would be more parameters than a query may have.
            for a, b in through.objects.filter(any_of(own, pks)).values_list(own, other):
                current[a].add(b)
            stale, rows = [], []
            for obj, names in items:
                wanted = {self.ids[target_kind][name.lower()] for name in names}
                if wanted != current[obj.pk]:
                    stale.append(obj.pk)
                    change = self._subject_changed(kind, obj.pk)
                    if not change.get("created"):
                        change.setdefault("relations", {})[relation] = [sorted(current[obj.pk]), sorted(wanted)]
                    self.purges.add(cache_tags.for_object(obj))
                    self.purges.update(cache_tags.for_pk(target_model, pk) for pk in wanted)
                    rows += [through(**{own: obj.pk, other: pk}) for pk in wanted]
            through.objects.filter(any_of(own, stale)).delete()
            through.objects.bulk_create(rows, batch_size=BATCH)
            self.wrote |= bool(stale)

    def _subject_changed(self, kind, pk) -> dict:
        """Return the record of what this run did to one subject, for the batch (and its undo)."""
        return self.result.subjects.setdefault((kind, pk), {"kind": kind, "pk": pk})

    # Answers

    def assign_ids(self, run: dict, targets: set):
        """Give every answer of the run its id before any is written, so links between them resolve at once.

        `run` maps each record's slug to its external id (or None); `targets` are the link targets
        outside the run. An answer already in the database keeps its id (found by external id, else
        by slug); a new one gets an id reserved from the table's sequence.
        """
        external = {ext: slug for slug, ext in run.items() if ext}
        with_external = Article.objects.canonical().filter(external_id__isnull=False)
        for ext, pk in matching(with_external, "external_id", external, "external_id", "pk"):
            self.answer_ids[external[ext]] = pk
        wanted = [slug for slug in run if slug not in self.answer_ids] + list(targets)
        self.answer_ids.update(matching(Article.objects.canonical(), "slug", wanted, "slug", "pk"))
        self.existing = set(self.answer_ids.values())
        new = [slug for slug in run if slug not in self.answer_ids]
        self.answer_ids.update(zip(new, bulk.reserve_ids(Article, len(new)), strict=True))

    def load_articles(self, records):
        """Create or update answers from a stream of records, a batch at a time.

        A background thread reads and prepares the next batch while this one is written,
        so that Python and the database work at the same time.
        """
        for writes in ahead(self._prepare(batch) for batch in _batches(records, BATCH)):
            self._compare(writes)
            self._write(writes)

    def _prepare(self, records: list[ArticleRecord]) -> "_Writes":
        """Turn records into rows, without the database: whole rows for new answers, values to compare for others."""
        writes = _Writes(seen=len(records))
        for record in records:
            pk = self.answer_ids[record.slug]
            values = self._values(record)
            carried = {
                name: sorted({self.ids[kind][self._subject_key(kind, ref)] for ref in getattr(record, name)})
                for name, kind in SUBJECTS.items()
                if getattr(record, name) is not None
            }
            carried |= {
                name: [self.answer_ids[slug] for slug in getattr(record, name)]
                for name in LINK_MODELS
                if getattr(record, name) is not None
            }
            if pk in self.existing:
                writes.compare.append(Existing(record, pk, values, carried))
                continue
            writes.create(pk, values, Article.html_for(values["answer"]), self.now)
            writes.created.append(record.slug)
            for name in carried:
                writes.replace(name, pk, carried[name], stale=False)
            writes.revise(pk, 1, NEW_CONTENT | values | carried, record)
            writes.purge(pk, None, NEW_CONTENT | values | carried, 1)
        return writes

    def _compare(self, writes):
        """Compare the records of answers already in the database with them; add what changed to the writes."""
        current = _current([existing.pk for existing in writes.compare])
        changes = []
        for existing in writes.compare:
            old = current[existing.pk]
            values, carried = existing.values, existing.carried
            changed = [name for name, value in (values | carried).items() if _differs(old, name, value)]
            if changed:
                changes.append((existing, old, changed))
        if changes and self.on_draft == "refuse":
            self._refuse_drafts(changes)
        versions = editorial.claim_versions(existing.pk for existing, _, _ in changes) if changes else {}
        for existing, old, changed in changes:
            record, pk, values, carried = existing
            self._update(writes, pk, old, values, changed, versions[pk])
            writes.updated_fields[record.slug] = [CHANGE_NAMES.get(name, name.replace("_", " ")) for name in changed]
            for name in changed:
                if name in carried:
                    writes.replace(name, pk, carried[name], stale=True)
            writes.revise(pk, versions[pk], old | values | carried, record)
            writes.purge(pk, old, old | values | carried, versions[pk])

    def _refuse_drafts(self, changes):
        """Name every record that would change a live answer under its pending draft's editors."""
        drafts = dict(
            Article.objects.filter(any_of("draft_of_id", {existing.pk for existing, _, _ in changes})).values_list(
                "draft_of_id", "pk"
            )
        )
        for existing, _, changed in changes:
            if existing.pk in drafts:
                self.refused.append(
                    existing.record.problem(
                        changed[0],
                        f"“{existing.record.slug}” has a pending draft (/admin/monographs/article/"
                        f"{drafts[existing.pk]}/change/) that this import would change under its editor "
                        f"({', '.join(changed)}); with --on-draft=refuse nothing was imported",
                    )
                )

    def _update(self, writes, pk, old, values, changed, version):
        """Add the update of an answer already in the database, at its new `version`, to the batch's writes.

        The answer's row is written with the batch; a changed slug's old address is kept at once.
        """
        article = Article(pk=pk, **{name: old[name] for name in ROW_FIELDS})
        for name in changed:
            if name in values:
                setattr(article, name, values[name])
        article.version = version
        article.updated_at = self.now
        if "slug" in changed:
            writes.moved.append((article, old["slug"] if old["state"] == Article.State.PUBLISHED else None))
        if {"slug", "state"} & set(changed):
            writes.relive.append(article)
        if "answer" in changed:
            article.answer, article.answer_html = values["answer"], Article.html_for(values["answer"])
            article.answer_text = Article.text_for(article.answer_html)
            writes.rendered.append(article)  # saved on its own: other rows never loaded their text
        writes.updated.append(article)
        writes.update_fields.update(name for name in changed if name in ROW_FIELDS)

    def _write(self, writes):
        """Write one batch's rows: answers, their subjects and links, then revisions and sign-offs."""
        self.seen += writes.seen
        self.purges |= writes.purges
        self.changes += writes.changes
        self.result.created += writes.created
        self.result.updated |= writes.updated_fields
        if not (writes.new or writes.updated):
            return
        self.wrote = True
        # The answers' own rows (state, address, live text) are written by the owner of an answer's life.
        editorial.write_imported(
            new=(NEW_COLUMNS, writes.new),
            updated=writes.updated,
            fields=sorted({"version", "updated_at", *writes.update_fields}),  # the version claimed in _compare
            rendered=writes.rendered,
            moved=writes.moved,
            relive=writes.relive,
            batch_size=BATCH,
        )
        for name, model in THROUGH.items():
            own, other = COLUMNS[name]
            model.objects.filter(any_of(own, writes.stale[name])).delete()
            bulk.insert_rows(model, (own, other, *(("position",) if name in LINK_MODELS else ())), writes.rows[name])
        editorial.record_revisions(writes.revisions, source=Revision.Source.IMPORT, batch=self._batch(), now=self.now)
        if writes.updated and not self.refused:
            editorial.take_into_drafts(
                [article.pk for article in writes.updated], source=f"Import batch {self.batch.pk}"
            )

    def _batch(self) -> ImportBatch:
        if self.batch is None:
            self.batch = ImportBatch.objects.create(run_by=self.run_by, files=self.files)
        return self.batch

    def _values(self, record):
        values = {name: getattr(record, name) for name in TEXT_FIELDS}
        if not record.carries_review_interval:
            del values["review_interval_days"]  # a saved page has none: keep the answer's own
        if record.sources is None:
            del values["sources"]  # nor sources
        values["reviewer_id"] = (
            self.ids["reviewer"][self._subject_key("reviewer", record.reviewer)] if record.reviewer else None
        )
        if record.external_id:
            values["external_id"] = record.external_id
        return values

    @staticmethod
    def _subject_key(kind, ref):
        return SUBJECT_KINDS[kind].key(getattr(ref, SUBJECT_KINDS[kind].name_field), getattr(ref, "credentials", ""))

    def finish(self) -> LoadResult:
        """Close the run: record its batch (if anything was written) with its counts; or refuse it whole."""
        if self.refused:
            raise InvalidInput(self.refused)  # inside the run's transaction: nothing stays written
        result = self.result
        result.unchanged = self.seen - len(result.created) - len(result.updated)
        if self.wrote:
            batch = self._batch()
            batch.finished_at = timezone.now()
            batch.created, batch.updated, batch.unchanged = len(result.created), len(result.updated), result.unchanged
            batch.subjects = list(result.subjects.values())
            batch.save()
        result.batch = self.batch
        changefeed.record(self.changes)  # last: it holds the feed's lock until the run commits
        purge(self.purges)
        return result


class Existing(NamedTuple):
    """A record of an answer already in the database, waiting to be compared with it."""

    record: ArticleRecord
    pk: int
    values: dict  # the answer's own fields, as the record gives them
    carried: dict  # the subjects and links the record lists, by id


@dataclass
class _Writes:
    """The rows one batch of records writes."""

    seen: int  # records in the batch
    created: list[str] = field(default_factory=list)  # slugs of new answers
    updated_fields: dict[str, list[str]] = field(default_factory=dict)  # slug -> names of the fields that changed
    compare: list[Existing] = field(default_factory=list)
    new: list[tuple] = field(default_factory=list)  # rows of new answers, in NEW_COLUMNS order
    updated: list[Article] = field(default_factory=list)  # changed answers, written with bulk_update
    rendered: list[Article] = field(default_factory=list)  # those whose answer text changed
    moved: list[tuple[Article, str | None]] = field(default_factory=list)  # new addresses, and the live one before
    relive: list[Article] = field(default_factory=list)  # a new address or state: maybe live again elsewhere
    update_fields: set[str] = field(default_factory=set)  # the columns `updated` changes
    stale: dict[str, list[int]] = field(default_factory=lambda: {name: [] for name in THROUGH})  # rows replaced
    rows: dict[str, list[tuple]] = field(default_factory=lambda: {name: [] for name in THROUGH})  # rows added
    revisions: list[editorial.NewRevision] = field(default_factory=list)
    purges: set[str] = field(default_factory=set)
    changes: list = field(default_factory=list)  # the changes feed's entries (changefeed.change)

    def purge(self, pk, before, after, revision):
        """Note what an answer's change purges and tells the changes feed; `before`/`after` are rows, or None."""
        live = Article.State.PUBLISHED
        before = before if before and before["state"] == live else None
        after = after if after["state"] == live else None
        self.purges |= cache_tags.answer_change(pk, before, after)
        self.changes.append(changefeed.change(pk, before, after, revision))

    def create(self, pk, values, answer_html, now):
        made = {"answer_html": answer_html, "answer_text": Article.text_for(answer_html)}
        row = NEW_ROW | values | made | {"id": pk, "created_at": now, "updated_at": now}
        self.new.append(tuple(row[name] for name in NEW_COLUMNS))

    def replace(self, name, pk, targets, *, stale):
        if stale:
            self.stale[name].append(pk)
        if name in LINK_MODELS:
            self.rows[name] += [(pk, target, position) for position, target in enumerate(targets)]
        else:
            self.rows[name] += [(pk, target) for target in targets]

    def revise(self, pk, number, content, record):
        published = record.state == Article.State.PUBLISHED
        self.revisions.append(
            editorial.NewRevision(
                article_id=pk,
                number=number,
                content={name: content[name] for name in REVISION_FIELDS},
                signed_off_by=content["reviewer_id"] if published else None,
                reviewed_on=record.reviewed_on if published else None,
            )
        )


def _current(pks) -> dict[int, dict]:
    """Return what the loader compares records with: each answer's row (its answer as an MD5), subjects, links."""
    if not pks:
        return {}
    rows = Article.objects.filter(any_of("pk", set(pks))).annotate(answer_md5=MD5("answer"))
    return with_relations(rows.values("pk", "answer_md5", *ROW_FIELDS))


def _batches(items, size):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _differs(old: dict, name, value) -> bool:
    if name == "answer":
        return old["answer_md5"] != hashlib.md5(value.encode()).hexdigest()
    return old[name] != value


def _plain_fields(spec):
    """Return a subject's own column values from a record or an inline reference."""
    if isinstance(spec, SubjectRecord):
        return {k: v for k, v in spec.fields.items() if k not in ("conditions", "drugs")}
    return {k: v for k, v in spec.items() if k != "name"}
