"""The one loader: write validated records to the database, idempotently."""

from dataclasses import dataclass, field

from .. import editorial
from ..models import Article, Condition, Drug, Reviewer, Revision
from ..slugs import slug_for
from .records import ArticleRecord


@dataclass
class LoadResult:
    created: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)


def unique_slug(model, text: str) -> str:
    """Return a slug for `text` that no row of `model` uses yet."""
    base = slug_for(text) or "item"
    slug, n = base, 1
    while model.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def load(records: list[ArticleRecord]) -> LoadResult:
    """Create or update an answer for each record; call inside a transaction.

    A record's content becomes a revision of the answer; a published record
    carries its reviewer and date, so that revision is signed off by them.
    Fields a format does not carry (curated links, say) are left as they are.
    An unchanged record writes nothing at all.
    """
    result = LoadResult()
    for record in records:
        article = Article.objects.canonical().filter(slug=record.slug).first()
        current = editorial.snapshot(article) if article else editorial.empty_content()
        content = current | {
            "question": record.question,
            "slug": record.slug,
            "answer": record.answer,
            "summary": record.summary,
            "drugs": sorted(_drug(ref).pk for ref in record.drugs),
            "conditions": sorted(_condition(ref).pk for ref in record.conditions),
        }
        reviewer = _reviewer(record) if record.reviewer else None
        byline = {"reviewer": reviewer, "reviewed_on": record.reviewed_on, "state": record.state}

        if article is None:
            article = Article(slug=record.slug)
            result.created.append(record.slug)
        else:
            changed = editorial.changed_fields(current, content)
            changed += [name for name, value in byline.items() if getattr(article, name) != value]
            if not changed:
                result.unchanged.append(record.slug)
                continue
            result.updated[record.slug] = changed

        if record.state == Article.State.PUBLISHED:
            if article.pk is None:
                editorial.apply_content(article, content, state=Article.State.DRAFT)
            revision = editorial.record_revision(article, content=content, source=Revision.Source.IMPORT)
            editorial.publish(article, revision, reviewer=reviewer, reviewed_on=record.reviewed_on)
        else:
            editorial.apply_content(article, content, **byline)
            editorial.record_revision(article, content=content, source=Revision.Source.IMPORT)
    return result


def _reviewer(record: ArticleRecord) -> Reviewer:
    ref = record.reviewer
    reviewer = Reviewer.objects.filter(name=ref.name, credentials=ref.credentials).first()
    return reviewer or Reviewer.objects.create(
        name=ref.name, credentials=ref.credentials, slug=unique_slug(Reviewer, ref.name)
    )


def _drug(ref) -> Drug:
    drug = Drug.objects.filter(brand_name__iexact=ref.brand_name).first()
    return drug or Drug.objects.create(
        brand_name=ref.brand_name, generic_name=ref.generic_name, slug=unique_slug(Drug, ref.brand_name)
    )


def _condition(ref) -> Condition:
    condition = Condition.objects.filter(name__iexact=ref.name).first()
    return condition or Condition.objects.create(
        name=ref.name, abbreviation=ref.abbreviation, slug=unique_slug(Condition, ref.name)
    )
