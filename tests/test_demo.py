"""`manage.py load_demo`: the Besponsa page and its neighbours, idempotently."""

from io import StringIO

import pytest
from django.core.management import call_command

from monographs import answer_page
from monographs.models import Article, Drug, SupportGroup

from .support import BESPONSA_URL

pytestmark = pytest.mark.django_db


def dump():
    out = StringIO()
    call_command("dumpdata", "monographs", indent=1, stdout=out)
    return out.getvalue()


def test_load_demo_prints_the_urls():
    out = StringIO()
    call_command("load_demo", base_url="http://127.0.0.1:8000", stdout=out)
    assert f"http://127.0.0.1:8000{BESPONSA_URL}" in out.getvalue()
    assert "http://127.0.0.1:8000/admin/" in out.getvalue()


def test_load_demo_twice_changes_nothing():
    call_command("load_demo", verbosity=0)
    before = dump()
    call_command("load_demo", verbosity=0)
    assert dump() == before


def test_load_demo_fills_every_section_of_the_besponsa_page():
    call_command("load_demo", verbosity=0)
    besponsa = Article.objects.live().get(slug=BESPONSA_URL.split("/")[2])
    page = answer_page.load(besponsa)
    assert len(page.related_questions) == 3
    assert len(page.read_next) == 1
    assert list(besponsa.drugs.all()) == [Drug.objects.get(brand_name="Besponsa")]
    assert besponsa.support_groups.count() == SupportGroup.objects.count() == 2
    assert Article.objects.live().count() == Article.objects.count() == 6


def test_load_demo_repairs_what_an_editor_changed():
    call_command("load_demo", verbosity=0)
    Drug.objects.update(drug_class="changed")
    call_command("load_demo", verbosity=0)
    assert Drug.objects.get().drug_class == "Antibody-drug conjugate (ADC)"
