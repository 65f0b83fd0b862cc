"""The demo content: the Besponsa answer page and what its sections link to.

Every sentence here restates the Besponsa answer page; nothing adds a
medical claim of its own. The answers are import files (content/demo/): the
Besponsa answer in Markdown, with its boxed warning set apart and its source,
the others as saved pages.
"""

from pathlib import Path

from django.db import transaction

from . import editorial
from .content import snapshot
from .interchange.run import import_paths
from .models import Article, Condition, Drug, SupportGroup

CONTENT_DIR = Path(__file__).resolve().parent / "content" / "demo"
BESPONSA_SLUG = "how-does-besponsa-work-to-treat-acute-lymphoblastic-leukemia-all"

DRUG = {
    "brand_name": "Besponsa",
    "generic_name": "inotuzumab ozogamicin",
    "drug_class": "Antibody-drug conjugate (ADC)",
    "summary": (
        "Besponsa (inotuzumab ozogamicin) is an antibody-drug conjugate (ADC) composed of a "
        "monoclonal antibody (mAb) that targets the CD22 antigen linked to a cytotoxic agent.\n\n"
        "Besponsa is indicated for the treatment of relapsed or refractory CD22-positive B-cell "
        "precursor acute lymphoblastic leukemia (ALL) in adult and pediatric patients 1 year and older. "
        "It is administered as a one-hour intravenous infusion."
    ),
}
CONDITION = {
    "name": "Acute Lymphoblastic Leukemia",
    "abbreviation": "ALL",
    "summary": (
        "B-cell acute lymphoblastic leukemia (B-ALL) is an aggressive type of leukemia in which the "
        "bone marrow makes too many B-cell lymphocytes. It can be fatal within a matter of months if "
        "left untreated."
    ),
}
SUPPORT_GROUPS = [
    {
        "name": "Acute Lymphoblastic Leukemia support group",
        "slug": "acute-lymphoblastic-leukemia",
        "description": "For people with acute lymphoblastic leukemia (ALL), and their families and carers, "
        "to share experiences and questions.",
        "for_drug": False,
    },
    {
        "name": "Besponsa support group",
        "slug": "besponsa",
        "description": "For people treated with Besponsa, and their families and carers, "
        "to share experiences and questions.",
        "for_drug": True,
    },
]
# slug → (related questions, read next), each a list of slugs in order.
LINKS = {
    BESPONSA_SLUG: (
        [
            "what-is-the-boxed-warning-for-besponsa",
            "what-are-the-common-side-effects-of-besponsa",
            "how-is-besponsa-given",
        ],
        ["what-is-the-cd22-antigen-in-acute-lymphoblastic-leukemia-all"],
    ),
    "what-is-the-boxed-warning-for-besponsa": (
        ["what-are-the-common-side-effects-of-besponsa"],
        [BESPONSA_SLUG],
    ),
    "what-are-the-common-side-effects-of-besponsa": (
        ["what-is-the-boxed-warning-for-besponsa"],
        [BESPONSA_SLUG],
    ),
    "how-is-besponsa-given": ([], [BESPONSA_SLUG]),
    "what-is-the-b-cell-type-of-acute-lymphoblastic-leukemia-all": (
        ["what-is-the-cd22-antigen-in-acute-lymphoblastic-leukemia-all"],
        [BESPONSA_SLUG],
    ),
    "what-is-the-cd22-antigen-in-acute-lymphoblastic-leukemia-all": (
        ["what-is-the-b-cell-type-of-acute-lymphoblastic-leukemia-all"],
        [BESPONSA_SLUG],
    ),
}


def _ensure(obj, **values):
    """Set `values` on `obj` and save, only if something differs."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        obj.save(update_fields=changed)
    return obj


@transaction.atomic
def load_demo() -> Article:
    """Load the demo content, changing nothing that is already as it should be."""
    import_paths([CONTENT_DIR])
    articles = {article.slug: article for article in Article.objects.canonical().filter(slug__in=LINKS)}

    drug = _ensure(Drug.objects.get(brand_name=DRUG["brand_name"]), **DRUG)
    condition = _ensure(Condition.objects.get(name=CONDITION["name"]), **CONDITION)
    if not drug.conditions.filter(pk=condition.pk).exists():
        drug.conditions.add(condition)

    groups = []
    for spec in SUPPORT_GROUPS:
        spec = dict(spec)
        for_drug = spec.pop("for_drug")
        group, _ = SupportGroup.objects.get_or_create(slug=spec["slug"], defaults=spec)
        _ensure(group, **spec)
        related = group.drugs if for_drug else group.conditions
        target = drug if for_drug else condition
        if not related.filter(pk=target.pk).exists():
            related.add(target)
        groups.append(group.pk)

    for slug, (related_questions, read_next) in LINKS.items():
        article = articles[slug]
        links = {
            "related_questions": [articles[s].pk for s in related_questions],
            "read_next": [articles[s].pk for s in read_next],
        }
        if slug == BESPONSA_SLUG:
            links["support_groups"] = sorted(groups)
        _curate(article, links)
    return articles[BESPONSA_SLUG]


def _curate(article, links):
    """Publish curated links as a revision signed off like the answer they belong to."""
    content = snapshot(article)
    if content | links == content:
        return
    revision = editorial.record_revision(article, content=content | links, note="Demo links")
    editorial.publish(article, revision, reviewer=article.reviewer, reviewed_on=article.reviewed_on)
