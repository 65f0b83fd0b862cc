"""Browsing A to Z by drug (brand and generic names) and by condition; the answers index by drug."""

import re

import pytest
from django.core.management import call_command

from monographs import editorial
from monographs.models import Article, Condition, Drug

from .support import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def drugs(db):
    Drug.objects.create(brand_name="Besponsa", generic_name="inotuzumab ozogamicin", slug="besponsa")
    Drug.objects.create(brand_name="Blincyto", generic_name="blinatumomab", slug="blincyto")
    Drug.objects.create(brand_name="Zydelig", slug="zydelig")  # no generic name given


def letter_bar(html):
    """Return each letter of the bar with whether it is a link."""
    bar = html[html.index('<nav class="letters"') : html.index("</nav>", html.index('<nav class="letters"'))]
    return {
        letter: f'aria-label="Drugs starting with {letter.upper()}"' in bar
        or f'aria-label="Conditions starting with {letter.upper()}"' in bar
        for letter in "abcdefghijklmnopqrstuvwxyz"
    }


def test_the_drug_a_to_z_lists_brand_and_generic_names_each_under_its_own_letter(client, drugs):
    page = client.get("/drugs/letter/i/").content.decode()
    text = visible_text(page)
    assert "inotuzumab ozogamicin (generic name of Besponsa)" in text
    assert '<a href="/drugs/besponsa/">inotuzumab ozogamicin</a>' in page
    assert "Blincyto" not in text
    b = visible_text(client.get("/drugs/letter/b/").content.decode())
    assert b.index("Besponsa") < b.index("blinatumomab (generic name of Blincyto)") < b.index("Blincyto")
    everything = visible_text(client.get("/drugs/").content.decode())
    assert everything.index("Besponsa") < everything.index("inotuzumab ozogamicin") < everything.index("Zydelig")


def test_letters_with_no_entries_are_not_links(client, drugs):
    bar = letter_bar(client.get("/drugs/").content.decode())
    assert {letter for letter, linked in bar.items() if linked} == {"b", "i", "z"}
    assert "No drugs starting with" in client.get("/drugs/").content.decode()
    current = client.get("/drugs/letter/b/").content.decode()
    assert '<span aria-current="page">B</span>' in current
    assert client.get("/drugs/letter/q/").status_code == 200  # an empty letter's page says so, it is no error
    assert "None yet." in visible_text(client.get("/drugs/letter/q/").content.decode())


def test_a_letter_is_the_first_character_of_a_name_whatever_its_case_or_the_sort_order(client, db):
    assert letter_bar(client.get("/drugs/").content.decode()) == dict.fromkeys("abcdefghijklmnopqrstuvwxyz", False)
    # Some collations sort "(S)-ketamine" among the s's and "-Kveo" among the k's: neither starts with a letter.
    Drug.objects.create(brand_name="(S)-ketamine", slug="s-ketamine")
    Drug.objects.create(brand_name="-Kveo", slug="kveo")
    Drug.objects.create(brand_name="sotalol", generic_name="Quinapril", slug="sotalol")
    Drug.objects.create(brand_name="Élan", slug="elan")
    assert {letter for letter, linked in letter_bar(client.get("/drugs/").content.decode()).items() if linked} == {
        "q",
        "s",
    }
    s = visible_text(client.get("/drugs/letter/s/").content.decode())
    assert "sotalol" in s and "ketamine" not in s
    assert "Kveo" not in visible_text(client.get("/drugs/letter/k/").content.decode())
    assert "Quinapril (generic name of sotalol)" in visible_text(client.get("/drugs/letter/q/").content.decode())
    everything = visible_text(client.get("/drugs/").content.decode())
    assert all(name in everything for name in ("(S)-ketamine", "-Kveo", "sotalol", "Quinapril", "Élan"))


def test_the_pages_of_the_a_to_z_together_list_every_name_once_in_order(client, db):
    # All brand names sort before all generic names: page 2 starts deep in the first list and in the second.
    Drug.objects.bulk_create(
        Drug(brand_name=f"Alpha {n:03}", generic_name=f"zeta {n:03}", slug=f"alpha-{n:03}") for n in range(60)
    )
    listed = []
    for number in (1, 2, 3):
        page = client.get(f"/drugs/?page={number}").content.decode()
        listed += re.findall(r'<li><a href="/drugs/alpha-\d+/">([^<]+)</a>', page)
    assert listed == [f"Alpha {n:03}" for n in range(60)] + [f"zeta {n:03}" for n in range(60)]


def test_the_condition_a_to_z(client, db):
    Condition.objects.create(name="Acute Lymphoblastic Leukemia", abbreviation="ALL", slug="all")
    Condition.objects.create(name="Chronic Myeloid Leukemia", slug="cml")
    assert {k for k, v in letter_bar(client.get("/conditions/").content.decode()).items() if v} == {"a", "c"}
    assert "Chronic Myeloid Leukemia" in visible_text(client.get("/conditions/letter/c/").content.decode())
    assert "Acute" not in visible_text(client.get("/conditions/letter/c/").content.decode())


@pytest.mark.parametrize("letter", ["b", "h", "w"])
def test_the_old_answer_letter_pages_move_permanently_to_the_drugs(client, db, letter):
    response = client.get(f"/medical-answers/letter/{letter}/")
    assert response.status_code == 301 and response["Location"] == f"/drugs/letter/{letter}/"


def test_the_answers_index_groups_answers_by_drug(client, make_article, drugs):
    besponsa, blincyto = Drug.objects.get(slug="besponsa"), Drug.objects.get(slug="blincyto")
    for n in range(12):
        make_article(question=f"Besponsa question {n:02}?").drugs.add(besponsa)
    make_article(question="About Blincyto?").drugs.add(blincyto)
    make_article(question="About no drug?")
    make_article(question="A draft about Blincyto?", state=Article.State.DRAFT).drugs.add(blincyto)
    text = visible_text(client.get("/medical-answers/").content.decode())
    assert text.index("Besponsa Besponsa question 00?") < text.index("Blincyto About Blincyto?")
    assert "Besponsa question 09?" in text and "Besponsa question 10?" not in text  # ten per drug here
    assert "All 12 answers about Besponsa" in text
    assert "Answers about no particular drug About no drug?" in text
    assert "A draft" not in text and "Zydelig" not in text  # drugs without live answers are not listed


def test_the_answers_index_follows_a_change_of_drugs(client, make_article, drugs, medical_reviewer, settings):
    settings.DRUGREF_PAGE_CACHE = True
    call_command("load_demo", verbosity=0)
    article = make_article(question="Moved between drugs?")
    article.drugs.add(Drug.objects.get(slug="blincyto"))
    editorial.record_revision(article)
    assert "Blincyto Moved between drugs?" in visible_text(client.get("/medical-answers/").content.decode())
    draft = editorial.start_draft(article)
    draft.drugs.set([Drug.objects.get(slug="zydelig")])
    article = Article.objects.get(pk=article.pk)  # now with its pending draft
    editorial.record_revision(article)
    editorial.submit_for_review(article, medical_reviewer)
    editorial.sign_off(article, user=medical_reviewer, revision_number=article.version)
    text = visible_text(client.get("/medical-answers/").content.decode())
    assert "Zydelig Moved between drugs?" in text and "Blincyto Moved" not in text
