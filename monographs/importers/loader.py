"""The one loader: write validated records to the database, idempotently."""

from dataclasses import dataclass, field

from ..models import Article, Condition, Drug, Reviewer
from ..slugs import slug_for
from .records import ArticleRecord

# The article fields a record sets, compared before anything is written so
# that loading an unchanged record writes nothing, not even a timestamp.
ARTICLE_FIELDS = ("question", "answer", "summary", "reviewer_id", "reviewed_on", "state")


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
    """Create or update an article for each record; call inside a transaction."""
    result = LoadResult()
    for record in records:
        values = {
            "question": record.question,
            "answer": record.answer,
            "summary": record.summary,
            "reviewer_id": _reviewer(record).pk if record.reviewer else None,
            "reviewed_on": record.reviewed_on,
            "state": record.state,
        }
        drug_ids = {_drug(ref).pk for ref in record.drugs}
        condition_ids = {_condition(ref).pk for ref in record.conditions}

        article = Article.objects.filter(slug=record.slug).first()
        if article is None:
            article = Article.objects.create(slug=record.slug, **values)
            article.drugs.set(drug_ids)
            article.conditions.set(condition_ids)
            result.created.append(record.slug)
            continue

        changed = [name for name in ARTICLE_FIELDS if getattr(article, name) != values[name]]
        if changed:
            for name in changed:
                setattr(article, name, values[name])
            article.save(update_fields=[*changed, "updated_at"])
        if set(article.drugs.values_list("pk", flat=True)) != drug_ids:
            article.drugs.set(drug_ids)
            changed.append("drugs")
        if set(article.conditions.values_list("pk", flat=True)) != condition_ids:
            article.conditions.set(condition_ids)
            changed.append("conditions")
        if changed:
            result.updated[record.slug] = [name.removesuffix("_id") for name in changed]
        else:
            result.unchanged.append(record.slug)
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
