"""The demo content: the Besponsa answer page and what its sections link to.

Every sentence here restates the Besponsa answer page; nothing adds a
medical claim of its own.
"""

from pathlib import Path

from django.db import transaction

from .importers import import_paths
from .models import Article, Condition, Drug, ReadNext, RelatedQuestion, SupportGroup

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


def _ensure_links(model, source, target_slugs, articles):
    wanted = {articles[slug].pk: position for position, slug in enumerate(target_slugs)}
    model.objects.filter(source=source).exclude(target_id__in=wanted).delete()
    existing = {link.target_id: link for link in model.objects.filter(source=source)}
    for target_id, position in wanted.items():
        if target_id in existing:
            _ensure(existing[target_id], position=position)
        else:
            model.objects.create(source=source, target_id=target_id, position=position)


@transaction.atomic
def load_demo() -> Article:
    """Load the demo content, changing nothing that is already as it should be."""
    import_paths([CONTENT_DIR])
    articles = Article.objects.in_bulk(LINKS, field_name="slug")

    drug = _ensure(Drug.objects.get(brand_name=DRUG["brand_name"]), **DRUG)
    condition = _ensure(Condition.objects.get(name=CONDITION["name"]), **CONDITION)
    if not drug.conditions.filter(pk=condition.pk).exists():
        drug.conditions.add(condition)

    besponsa = articles[BESPONSA_SLUG]
    for spec in SUPPORT_GROUPS:
        spec = dict(spec)
        for_drug = spec.pop("for_drug")
        group, _ = SupportGroup.objects.get_or_create(slug=spec["slug"], defaults=spec)
        _ensure(group, **spec)
        related = group.drugs if for_drug else group.conditions
        target = drug if for_drug else condition
        if not related.filter(pk=target.pk).exists():
            related.add(target)
        if not besponsa.support_groups.filter(pk=group.pk).exists():
            besponsa.support_groups.add(group)

    for slug, (related_questions, read_next) in LINKS.items():
        _ensure_links(RelatedQuestion, articles[slug], related_questions, articles)
        _ensure_links(ReadNext, articles[slug], read_next, articles)
    return besponsa
