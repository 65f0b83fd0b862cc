"""The one loader: write a validated run to the database in batches, idempotently.

Subjects (drugs, conditions, reviewers, support groups) are written first,
then answers in batches, then curated links (whose targets may come later
in the run), then one revision per changed answer: signed off by the
record's reviewer on the record's date when the record is published.
Whatever is unchanged is not written at all, not even a timestamp.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, Q
from django.db.models.functions import MD5, Lower
from django.utils import timezone

from .. import editorial
from ..models import (
    Article,
    Condition,
    Drug,
    ImportBatch,
    Reviewer,
    Revision,
    SignOff,
    SupportGroup,
)
from ..rendering import render_markdown
from ..slugs import slug_for
from . import bulk
from .records import ArticleRecord, SubjectRecord

BATCH = 1000
TEXT_FIELDS = ("question", "slug", "answer", "summary", "state", "reviewed_on", "review_interval_days")
MODELS = {"condition": Condition, "drug": Drug, "reviewer": Reviewer, "support_group": SupportGroup}
NAME = {"condition": "name", "drug": "brand_name", "reviewer": "name", "support_group": "name"}
LINKS = editorial.LINK_MODELS
SUBJECTS = {"drugs": "drug", "conditions": "condition", "support_groups": "support_group"}


@dataclass
class LoadResult:
    created: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: int = 0
    batch: ImportBatch | None = None


def subject_key(kind, name, credentials=""):
    return (name, credentials) if kind == "reviewer" else name.lower()


class Loader:
    """Load one run; call inside a transaction, after the run has been validated."""

    def __init__(self):
        self.batch = None  # made by the caller once something is written
        self.wrote = False
        self.now = timezone.now()
        self.result = LoadResult()
        self.ids = {kind: {} for kind in MODELS}  # kind -> key -> id
        self.article_ids = {}  # slug -> id, for the run's answers
        self.links = {}  # answer id -> {field: [target slugs]}
        self.changed = defaultdict(list)  # answer id -> names of changed fields
        self.slugs = {}  # answer id -> slug
        self.seen = 0

    # Subjects

    def load_subjects(self, records: dict, inline: dict):
        """Create or update subject records, and create subjects named inline but missing."""
        for kind in MODELS:  # conditions before drugs before groups, which refer to them
            wanted = {key: r for (k, key), r in records.items() if k == kind}
            for key, values in inline.get(kind, {}).items():
                wanted.setdefault(key, values)
            self._load_kind(kind, wanted)

    def _load_kind(self, kind, wanted):
        model, name_field = MODELS[kind], NAME[kind]
        existing = {}
        keys = list(wanted)
        for start in range(0, len(keys), 5000):
            chunk = keys[start : start + 5000]
            if kind == "reviewer":
                query = Q()
                for name, credentials in chunk:
                    query |= Q(name=name, credentials=credentials)
                rows = model.objects.filter(query)
            else:
                rows = model.objects.annotate(key=Lower(name_field)).filter(key__in=chunk)
            for obj in rows:
                existing[subject_key(kind, getattr(obj, name_field), getattr(obj, "credentials", ""))] = obj
        new, changed, relations = [], set(), {}
        for key, spec in wanted.items():
            obj = existing.get(key)
            fields = _plain_fields(spec)
            if obj is None:
                name = spec.name if isinstance(spec, SubjectRecord) else spec["name"]
                obj = model(**{name_field: name}, **fields)
                new.append(obj)
            elif isinstance(spec, SubjectRecord):
                for attr, value in fields.items():
                    if getattr(obj, attr) != value:
                        setattr(obj, attr, value)
                        changed.add(attr)
            if isinstance(spec, SubjectRecord):
                relations[key] = (obj, {rel: spec.fields[rel] for rel in ("conditions", "drugs") if rel in spec.fields})
            existing[key] = obj
        _give_slugs(model, new, name_field)
        model.objects.bulk_create(new, batch_size=BATCH)
        self.wrote |= bool(new or changed)
        if changed:
            model.objects.bulk_update([o for o in existing.values() if o.pk], list(changed), batch_size=BATCH)
        for key, obj in existing.items():
            self.ids[kind][key] = obj.pk
        self._set_subject_relations(kind, relations)

    def _set_subject_relations(self, kind, relations):
        for relation, target_kind in (("conditions", "condition"), ("drugs", "drug")):
            items = [(obj, names[relation]) for obj, names in relations.values() if relation in names]
            if not items:
                continue
            manager = getattr(MODELS[kind], relation)
            through, own = manager.through, f"{MODELS[kind]._meta.model_name}_id"
            other = f"{target_kind}_id"
            current = defaultdict(set)
            pks = [obj.pk for obj, _ in items]
            for a, b in through.objects.filter(**{f"{own}__in": pks}).values_list(own, other):
                current[a].add(b)
            stale, rows = [], []
            for obj, names in items:
                wanted = {self.ids[target_kind][name.lower()] for name in names}
                if wanted != current[obj.pk]:
                    stale.append(obj.pk)
                    rows += [through(**{own: obj.pk, other: pk}) for pk in wanted]
            through.objects.filter(**{f"{own}__in": stale}).delete()
            through.objects.bulk_create(rows, batch_size=BATCH)
            self.wrote |= bool(stale)

    # Answers

    def load_articles(self, records):
        """Create or update answers from a stream of records, a batch at a time."""
        chunk = []
        for record in records:
            chunk.append(record)
            if len(chunk) == BATCH:
                self._load_batch(chunk)
                chunk = []
        if chunk:
            self._load_batch(chunk)

    def _load_batch(self, records: list[ArticleRecord]):
        self.seen += len(records)
        external = [r.external_id for r in records if r.external_id]
        # "IS NOT NULL" lets PostgreSQL use the partial unique index with a long IN list.
        # Answers are compared by their MD5, and the HTML is only replaced: fetch neither text.
        answers = Article.objects.canonical().defer("answer", "answer_html").annotate(answer_md5=MD5("answer"))
        with_external = answers.filter(external_id__isnull=False, external_id__any=external)
        by_external = {a.external_id: a for a in with_external}
        by_slug = {
            a.slug: a for a in answers.filter(slug__any=[r.slug for r in records if r.external_id not in by_external])
        }
        matches = [by_external.get(r.external_id) or by_slug.get(r.slug) for r in records]
        current = editorial.subject_ids([a.pk for a in matches if a])

        new, updates, rendered = [], [], []
        update_fields, subject_rows, stale = {"updated_at"}, defaultdict(list), defaultdict(list)
        for record, article in zip(records, matches, strict=True):
            values = self._values(record)
            subjects = {
                name: sorted({self.ids[kind][self._subject_key(kind, ref)] for ref in getattr(record, name)})
                for name, kind in SUBJECTS.items()
                if getattr(record, name) is not None
            }
            if article is None:
                # Revision 1 is recorded below; setting the version now spares an UPDATE per row.
                article = Article(
                    **values,
                    answer_html=render_markdown(values["answer"]),
                    created_at=self.now,
                    updated_at=self.now,
                    version=1,
                )
                new.append((record, article, subjects))
                continue
            changed = [name for name, value in values.items() if _differs(article, name, value)]
            old_slug = article.slug if article.is_live else None
            for name in changed:
                setattr(article, name, values[name])
            if "slug" in changed:
                editorial.keep_old_address(article, old_slug)
            if "answer" in changed:
                article.answer_html = render_markdown(article.answer)
                rendered.append(article)  # saved on its own: other rows never loaded their text
            for name, ids in subjects.items():
                if ids != current[article.pk][name]:
                    changed.append(name)
                    stale[name].append(article.pk)
                    subject_rows[name] += [(article.pk, pk) for pk in ids]
            if changed:
                article.updated_at = self.now
                article.version += 1
                update_fields.update(changed)
                update_fields.add("version")
                updates.append(article)
                self.changed[article.pk] += changed
            self._remember(record, article)

        bulk.insert(Article, [article for _, article, _ in new], with_ids=True)
        self.wrote |= bool(self.changed or new)
        for record, article, subjects in new:
            self.changed[article.pk].append("created")
            self.result.created.append(article.slug)
            for name, ids in subjects.items():
                subject_rows[name] += [(article.pk, pk) for pk in ids]
            self._remember(record, article)
        Article.objects.bulk_update(updates, sorted(update_fields - {*SUBJECTS, "answer"}), batch_size=BATCH)
        Article.objects.bulk_update(rendered, ["answer", "answer_html"], batch_size=BATCH)
        for name, kind in SUBJECTS.items():
            through = Article._meta.get_field(name).remote_field.through
            through.objects.filter(article_id__any=stale[name]).delete()
            bulk.insert_rows(through, ("article_id", f"{MODELS[kind]._meta.model_name}_id"), subject_rows[name])

    def _values(self, record):
        values = {name: getattr(record, name) for name in TEXT_FIELDS}
        if not record.carries_review_interval:
            del values["review_interval_days"]  # a saved page has none: keep the answer's own
        values["reviewer_id"] = (
            self.ids["reviewer"][self._subject_key("reviewer", record.reviewer)] if record.reviewer else None
        )
        if record.external_id:
            values["external_id"] = record.external_id
        return values

    @staticmethod
    def _subject_key(kind, ref):
        if kind == "reviewer":
            return (ref.name, ref.credentials)
        return (ref.brand_name if kind == "drug" else ref.name).lower()

    def _remember(self, record, article):
        self.article_ids[article.slug] = article.pk
        self.slugs[article.pk] = article.slug
        carried = {name: getattr(record, name) for name in LINKS if getattr(record, name) is not None}
        if carried:
            self.links[article.pk] = carried

    # Links, then revisions

    def load_links(self):
        """Set curated links, now that every answer of the run has an id."""
        missing = {slug for links in self.links.values() for targets in links.values() for slug in targets}
        missing -= set(self.article_ids)
        ids = dict(self.article_ids)
        missing = list(missing)
        for start in range(0, len(missing), 5000):
            ids.update(
                Article.objects.canonical().filter(slug__any=missing[start : start + 5000]).values_list("slug", "pk")
            )
        sources = list(self.links)
        for start in range(0, len(sources), BATCH * 5):
            chunk = sources[start : start + BATCH * 5]
            for name, model in LINKS.items():
                current = defaultdict(list)
                rows = model.objects.filter(source_id__any=chunk).order_by("source_id", "position", "pk")
                for source_id, target_id in rows.values_list("source_id", "target_id"):
                    current[source_id].append(target_id)
                stale, new, bump = [], [], []
                for source_id in chunk:
                    if name not in self.links[source_id]:
                        continue
                    wanted = [ids[slug] for slug in self.links[source_id][name]]
                    if wanted != current[source_id]:
                        stale.append(source_id)
                        new += [(source_id, t, n) for n, t in enumerate(wanted)]
                        if not self.changed[source_id]:
                            bump.append(source_id)  # changed only now: its revision needs a number
                        if "created" not in self.changed[source_id]:
                            self.changed[source_id].append(name)
                model.objects.filter(source_id__any=stale).delete()
                bulk.insert_rows(model, ("source_id", "target_id", "position"), new)
                Article.objects.filter(pk__any=bump).update(version=F("version") + 1)
                self.wrote |= bool(stale)

    def record_revisions(self):
        """Record one revision per changed answer; sign off those the records publish."""
        self.result.batch = self.batch
        changed = list(self.changed)
        for start in range(0, len(changed), BATCH):
            chunk = changed[start : start + BATCH]
            contents = editorial.snapshots(chunk)
            rows = Article.objects.filter(pk__any=chunk).values_list(
                "pk", "version", "state", "reviewer_id", "reviewed_on"
            )
            revisions, bylines = [], {}
            for pk, version, state, reviewer_id, reviewed_on in rows:
                revisions.append(
                    Revision(
                        article_id=pk,
                        number=version,
                        created_at=self.now,
                        source=Revision.Source.IMPORT,
                        batch=self.batch,
                        content=contents[pk],
                    )
                )
                if state == Article.State.PUBLISHED:
                    bylines[pk] = (reviewer_id, reviewed_on)
            bulk.insert(Revision, revisions, with_ids=True)
            bulk.insert(
                SignOff,
                [
                    SignOff(
                        revision=r,
                        article_id=r.article_id,
                        reviewer_id=bylines[r.article_id][0],
                        reviewed_on=bylines[r.article_id][1],
                        signed_at=self.now,
                    )
                    for r in revisions
                    if r.article_id in bylines
                ],
            )
        for pk, fields in self.changed.items():
            if "created" not in fields:
                self.result.updated[self.slugs.get(pk) or str(pk)] = [f.replace("_", " ") for f in fields]
        self.result.unchanged = self.seen - len(self.result.created) - len(self.result.updated)
        return self.result


def _differs(article, name, value) -> bool:
    if name == "answer":
        return article.answer_md5 != hashlib.md5(value.encode()).hexdigest()
    return getattr(article, name) != value


def _plain_fields(spec):
    """Return a subject's own column values from a record or an inline reference."""
    if isinstance(spec, SubjectRecord):
        return {k: v for k, v in spec.fields.items() if k not in ("conditions", "drugs")}
    return {k: v for k, v in spec.items() if k != "name"}


def _give_slugs(model, objects, name_field):
    """Give new subjects slugs that no row uses yet."""
    bases = [slug_for(getattr(obj, name_field)) or "item" for obj in objects]
    taken = set(model.objects.filter(slug__any=set(bases)).values_list("slug", flat=True))
    for base in {base for base in bases if base in taken}:
        taken |= set(model.objects.filter(slug__startswith=f"{base}-").values_list("slug", flat=True))
    for obj, base in zip(objects, bases, strict=True):
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        obj.slug = slug
        taken.add(slug)
