"""Export answers as JSON Lines or a directory of Markdown files, the formats the importers read.

Output is stable (answers by slug, subjects by name, fixed key order), so an
export imported into an empty database exports again byte for byte.
"""

import json
from pathlib import Path

import yaml
from django.db.models import Prefetch

from .models import Condition, Drug, ReadNext, RelatedQuestion, Reviewer, SupportGroup

CHUNK = 2000


def answers_for_export(queryset):
    """Return the answers, with everything a record needs, in the order records are written."""
    links = [
        Prefetch(
            f"{model._meta.model_name}_links",
            queryset=model.objects.select_related("target").only("source_id", "position", "target__slug"),
        )
        for model in (RelatedQuestion, ReadNext)
    ]
    return (
        queryset.canonical()
        .select_related("reviewer")
        .prefetch_related(
            Prefetch("drugs", queryset=Drug.objects.only("brand_name")),
            Prefetch("conditions", queryset=Condition.objects.only("name")),
            Prefetch("support_groups", queryset=SupportGroup.objects.only("name")),
            *links,
        )
        .order_by("slug")
    )


def article_record(article) -> dict:
    """Return one answer as an import record (docs/import-format.md)."""
    record = {"kind": "article"}
    if article.external_id:
        record["external_id"] = article.external_id
    record |= {
        "slug": article.slug,
        "question": article.question,
        "answer": article.answer,
        "summary": article.summary,
        "state": article.state,
    }
    if article.reviewer:
        record["reviewer"] = {"name": article.reviewer.name, "credentials": article.reviewer.credentials}
    if article.reviewed_on:
        record["reviewed_on"] = article.reviewed_on.isoformat()
    if article.review_interval_days:
        record["review_interval_days"] = article.review_interval_days
    return record | {
        "drugs": sorted(d.brand_name for d in article.drugs.all()),
        "conditions": sorted(c.name for c in article.conditions.all()),
        "support_groups": sorted(g.name for g in article.support_groups.all()),
        "related_questions": [link.target.slug for link in article.relatedquestion_links.all()],
        "read_next": [link.target.slug for link in article.readnext_links.all()],
    }


def _line(record) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_jsonl(queryset, out) -> int:
    """Write the answers, then the subjects they name, as JSON Lines; return the answers written."""
    used = {"reviewer": set(), "drug": set(), "condition": set(), "support_group": set()}
    count = 0
    for article in answers_for_export(queryset).iterator(chunk_size=CHUNK):
        out.write(_line(article_record(article)))
        count += 1
        if article.reviewer_id:
            used["reviewer"].add(article.reviewer_id)
        used["drug"].update(d.pk for d in article.drugs.all())
        used["condition"].update(c.pk for c in article.conditions.all())
        used["support_group"].update(g.pk for g in article.support_groups.all())
    for record in subject_records(used):
        out.write(_line(record))
    return count


def subject_records(used):
    """Yield records for the subjects used, and for those they name in turn, by kind and name."""
    groups = list(SupportGroup.objects.filter(pk__in=used["support_group"]).prefetch_related("conditions", "drugs"))
    used["drug"].update(d.pk for g in groups for d in g.drugs.all())
    drugs = list(Drug.objects.filter(pk__in=used["drug"]).prefetch_related("conditions"))
    used["condition"].update(c.pk for g in groups for c in g.conditions.all())
    used["condition"].update(c.pk for d in drugs for c in d.conditions.all())
    for reviewer in Reviewer.objects.filter(pk__in=used["reviewer"]).order_by("name", "credentials"):
        yield {"kind": "reviewer", "name": reviewer.name, "credentials": reviewer.credentials, "bio": reviewer.bio}
    for condition in Condition.objects.filter(pk__in=used["condition"]).order_by("name"):
        yield {
            "kind": "condition",
            "name": condition.name,
            "abbreviation": condition.abbreviation,
            "summary": condition.summary,
        }
    for drug in sorted(drugs, key=lambda d: d.brand_name):
        yield {
            "kind": "drug",
            "brand_name": drug.brand_name,
            "generic_name": drug.generic_name,
            "drug_class": drug.drug_class,
            "summary": drug.summary,
            "conditions": sorted(c.name for c in drug.conditions.all()),
        }
    for group in sorted(groups, key=lambda g: g.name):
        yield {
            "kind": "support_group",
            "name": group.name,
            "url": group.url,
            "description": group.description,
            "conditions": sorted(c.name for c in group.conditions.all()),
            "drugs": sorted(d.brand_name for d in group.drugs.all()),
        }


def write_markdown(queryset, directory: Path) -> int:
    """Write one SLUG.md per answer: the record as YAML front matter, then the answer."""
    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    for article in answers_for_export(queryset).iterator(chunk_size=CHUNK):
        record = article_record(article)
        answer = record.pop("answer")
        del record["kind"]
        front = yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=1_000_000)
        (directory / f"{article.slug}.md").write_text(f"---\n{front}---\n{answer}\n", encoding="utf-8")
        count += 1
    return count
