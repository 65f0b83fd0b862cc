from datetime import date

import pytest
from django.conf import settings
from django.core.management import call_command

from monographs.models import Article, Condition, Drug, Reviewer


@pytest.fixture(scope="session", autouse=True)
def collected_static(tmp_path_factory):
    """Collect static files once, as a deployment does, so hashed names resolve."""
    settings.STATIC_ROOT = tmp_path_factory.mktemp("static")
    call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture
def reviewer(db):
    reviewer, _ = Reviewer.objects.get_or_create(
        name="Judith Stewart", credentials="BPharm", defaults={"slug": "judith-stewart"}
    )
    return reviewer


@pytest.fixture
def make_article(db, reviewer):
    """Return a factory for articles; published and reviewed unless told otherwise."""
    counter = iter(range(1, 10_000))

    def make(**fields):
        n = next(counter)
        fields.setdefault("question", f"Question number {n}?")
        fields.setdefault("slug", f"question-number-{n}")
        fields.setdefault("answer", f"Answer number {n}.")
        fields.setdefault("state", Article.State.PUBLISHED)
        if fields["state"] == Article.State.PUBLISHED:
            fields.setdefault("reviewer", reviewer)
            fields.setdefault("reviewed_on", date(2024, 3, 12))
        return Article.objects.create(**fields)

    return make


@pytest.fixture
def drug(db):
    return Drug.objects.create(brand_name="Besponsa", generic_name="inotuzumab ozogamicin", slug="besponsa")


@pytest.fixture
def condition(db):
    return Condition.objects.create(name="Acute Lymphoblastic Leukemia", abbreviation="ALL", slug="all")
