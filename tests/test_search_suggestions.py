"""When a search finds little: what the reader probably meant, offered and never substituted; subjects first."""

import re

import pytest

from monographs.models import Article, Condition, Drug
from monographs.search import understand
from monographs.suggestions import distance, suggest

from .support import visible_text

pytestmark = pytest.mark.django_db


def suggested(q):
    return [(s.query, s.detail) for s in suggest(understand(q, Article), Article)]


@pytest.fixture
def besponsa(make_article, drug, condition):
    drug.conditions.add(condition)
    answer = make_article(question="How is Besponsa given?", answer="As an infusion.")
    answer.drugs.add(drug)
    make_article(question="What is Acute Lymphoblastic Leukemia?").conditions.add(condition)
    return answer


def test_the_distance_counts_a_swap_of_two_letters_as_one_edit():
    assert distance("besponsa", "bespnosa", 3) == 1
    assert distance("besponsa", "vesponsa", 3) == 1
    assert distance("hydrazine", "hydralazine", 3) == 2
    assert distance("abc", "xyzxyz", 2) == 3  # beyond the limit: limit + 1


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("bespnosa", "Besponsa"),  # two letters swapped
        ("vesponsa", "Besponsa"),  # the first letter wrong
        ("besponza", "Besponsa"),
        ("inotuzmab", "inotuzumab"),  # a letter missing, in a word of the generic name
        ("leukaemia", "Leukemia"),  # UK spelling
        ("CD-22's", "CD22"),  # hyphen and possessive: the same word
    ],
)
def test_a_misspelling_is_offered_what_it_probably_meant(besponsa, make_article, typed, meant):
    make_article(question="What is the CD22 antigen?")
    assert Article.objects.live().search(typed).count() == 0
    assert suggested(typed)[0][0] == meant


def test_a_suggestion_says_what_it_is(besponsa):
    assert suggested("besponza") == [("Besponsa", "inotuzumab ozogamicin, for Acute Lymphoblastic Leukemia")]
    assert suggested("besponza infusion") == [
        ("Besponsa infusion", "inotuzumab ozogamicin, for Acute Lymphoblastic Leukemia")
    ]


def test_look_alike_names_are_each_offered_and_neither_replaces_the_query(client, make_article):
    atarax = Drug.objects.create(brand_name="Atarax", generic_name="hydroxyzine", slug="atarax")
    apresoline = Drug.objects.create(brand_name="Apresoline", generic_name="hydralazine", slug="apresoline")
    atarax.conditions.add(Condition.objects.create(name="Anxiety", slug="anxiety"))
    apresoline.conditions.add(Condition.objects.create(name="High Blood Pressure", slug="high-blood-pressure"))
    make_article(question="Can Atarax make you sleepy?").drugs.add(atarax)
    make_article(question="Does Apresoline lower blood pressure?").drugs.add(apresoline)
    response = client.get("/search/", {"q": "hydrazine"})
    text = visible_text(response.content.decode())
    assert "Did you mean one of these:" in text
    assert "hydralazine (Apresoline, for High Blood Pressure)" in text
    assert "hydroxyzine (Atarax, for Anxiety)" in text
    # Both drugs, as the first results: a look-alike is never the only one offered.
    assert "Apresoline (hydralazine) Drug. 1 answer." in _subjects(response)
    assert "Atarax (hydroxyzine) Drug. 1 answer." in _subjects(response)
    assert "No answers match." in text  # nothing was searched in the reader's place
    assert 'href="/search/?q=hydralazine"' in response.content.decode()


def test_a_draft_question_is_never_suggested(make_article):
    make_article(question="Is Zorblaxa safe?", state=Article.State.DRAFT)
    assert suggested("zorblaxo") == []
    make_article(question="Is Zorblaxa safe?", slug="live-zorblaxa")
    assert suggested("zorblaxo") == [("Zorblaxa", "")]


def test_a_word_as_typed_in_the_dictionary_is_not_corrected(besponsa):
    assert suggested("infusionz") == []  # only in an answer's text: not in the dictionary, nothing close
    assert suggested("leukemia") == []


def test_a_drug_named_or_nearly_named_comes_first_with_its_answer_count(client, besponsa):
    for q in ("Besponsa", "inotuzumab ozogamicin", "besponza"):
        assert "Besponsa (inotuzumab ozogamicin) Drug. 1 answer." in _subjects(client.get("/search/", {"q": q})), q
    assert "Acute Lymphoblastic Leukemia (ALL) Condition. 1 answer." in _subjects(client.get("/search/", {"q": "ALL"}))
    assert _subjects(client.get("/search/", {"q": "infusion"})) == ""


def _subjects(response) -> str:
    """The visible text of the drugs and conditions listed before the answers ("" if none)."""
    found = re.search(r'<ul class="results subjects" id="subjects">(.*?)</ul>', response.content.decode(), re.S)
    return visible_text(f"<body>{found[1]}</body>") if found else ""


def test_a_drugs_name_change_purges_its_cached_search_pages(client, settings, besponsa, drug):
    from django.core.cache import cache

    settings.DRUGREF_PAGE_CACHE = True
    cache.clear()
    first = client.get("/search/", {"q": "besponza"}).content.decode()
    assert "Besponsa" in first
    drug.brand_name = "Besponsa Renamed"
    drug.save()
    assert "Besponsa Renamed" in client.get("/search/", {"q": "besponza"}).content.decode()


def test_results_are_counted_and_numbered_and_each_page_is_its_own_canonical(client, make_article):
    for n in range(45):
        make_article(question=f"Zebrafish question {n}?")
    first = client.get("/search/", {"q": "zebrafish"}).content.decode()
    assert "45 answers found." in visible_text(first)
    assert "Page 1 of 3" in visible_text(first)
    assert '<link rel="canonical" href="http://testserver/search/?q=zebrafish">' in first
    assert '<meta name="robots" content="noindex, nofollow">' in first
    second = client.get("/search/", {"q": "zebrafish", "page": "2"}).content.decode()
    assert "Page 2 of 3" in visible_text(second)
    assert '<link rel="canonical" href="http://testserver/search/?q=zebrafish&amp;page=2">' in second
    assert '<a href="?q=zebrafish&amp;page=3" aria-label="Page 3">3</a>' in second
    assert '<span aria-current="page">2</span>' in second


def test_beyond_the_counted_bound_it_says_so_plainly(client, make_article, monkeypatch):
    from monographs import views

    monkeypatch.setattr(views, "MAX_COUNTED", 30)
    for n in range(45):
        make_article(question=f"Zebrafish question {n}?")
    text = visible_text(client.get("/search/", {"q": "zebrafish"}).content.decode())
    assert "More than 30 answers found: add a word to narrow them." in text
    assert "Page 1" in text and "Page 1 of" not in text
