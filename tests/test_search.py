"""Search: web-search syntax, ranking, snippets, hostile input, on whichever database runs."""

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils.safestring import SafeString

from monographs.models import Article
from monographs.search import MAX_QUERY_LENGTH, clean_query, parse

from .support import SEARCH_TRANSACTION, visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(make_article, drug):
    made = {
        "question": make_article(
            question="Does zebrafish oil interact with warfarin?", answer="No interaction is known."
        ),
        "answer": make_article(question="What oils are safe?", answer="Zebrafish oil is a supplement; ask first."),
        "other": make_article(question="How is it stored?", answer="Keep it in the fridge, away from light."),
        "phrase": make_article(question="How is it given?", answer="It is a one-hour intravenous infusion."),
        "apart": make_article(question="Is it quick?", answer="The infusion is intravenous and lasts one hour."),
        "draft": make_article(question="Zebrafish draft?", answer="Zebrafish.", state=Article.State.DRAFT),
    }
    made["phrase"].drugs.add(drug)
    return made


def found(q):
    return [a.question for a in Article.objects.live().search(q)]


def test_the_index_is_kept_by_the_database(make_article):
    article = make_article(question="Kangaroo question?", answer="x")
    assert found("kangaroo") == ["Kangaroo question?"]
    Article.objects.filter(pk=article.pk).update(question="Wombat question?")
    assert found("kangaroo") == [] and found("wombat") == ["Wombat question?"]
    Article.objects.filter(pk=article.pk).delete()
    assert found("wombat") == []


def test_imported_answers_are_found_at_once(tmp_path):
    path = tmp_path / "answers.jsonl"
    live = {"state": "published", "reviewer": {"name": "Ann Lee", "credentials": "PharmD"}, "reviewed_on": "2024-03-12"}
    path.write_text(
        "".join(
            json.dumps({"slug": f"a{n}", "question": f"Platypus {n}?", "answer": f"Echidna facts, part {n}.", **live})
            + "\n"
            for n in range(3)
        )
    )
    call_command("import_articles", str(path), verbosity=0)
    assert sorted(found("echidna")) == ["Platypus 0?", "Platypus 1?", "Platypus 2?"]
    assert found("platypus") == found("echidna")


def test_a_question_match_outranks_an_answer_match(corpus):
    assert found("zebrafish") == ["Does zebrafish oil interact with warfarin?", "What oils are safe?"]


def test_quoted_phrases_match_words_together(corpus):
    assert found('"one-hour intravenous infusion"') == ["How is it given?"]
    assert set(found("intravenous hour")) == {"How is it given?", "Is it quick?"}


def test_minus_excludes_a_word(corpus):
    assert found("zebrafish -warfarin") == ["What oils are safe?"]


def test_or_finds_either_word(corpus):
    assert set(found("fridge or warfarin")) == {"How is it stored?", "Does zebrafish oil interact with warfarin?"}


def test_drug_names_match_too(corpus):
    assert found("inotuzumab") == ["How is it given?"]
    assert found("besponsa") == ["How is it given?"]


def test_only_live_answers_are_found(corpus):
    assert "Zebrafish draft?" not in found("zebrafish draft")


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        "   ",
        "-",
        "-zebrafish",
        '"',
        '""',
        "or",
        "'; DROP TABLE monographs_article; --",
        "<script>alert(1)</script>",
        "zebrafish AND NOT",
        "NEAR(zebrafish warfarin)",
        "*",
        "a" * 5000,
        '"unclosed phrase',
        "zebrafish:",
    ],
)
def test_hostile_and_odd_queries_return_a_normal_page(client, corpus, hostile):
    response = client.get("/search/", {"q": hostile})
    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()
    assert Article.objects.count() == 6


def test_a_nul_character_is_a_bad_request_page(client, corpus):
    response = client.get("/search/", {"q": "\x00zebrafish"})
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_blank_query_finds_nothing(corpus):
    assert not Article.objects.live().search("").exists()
    assert not Article.objects.live().search("-zebrafish").exists()


def test_overlong_queries_are_cut():
    assert len(clean_query("word " * 1000)) <= MAX_QUERY_LENGTH


def test_parse_reads_web_search_syntax():
    terms = parse('zebrafish "fish oil" -warfarin or aspirin')
    assert [(t.text, t.negated, t.phrase, t.or_before) for t in terms] == [
        ("zebrafish", False, False, False),
        ("fish oil", False, True, False),
        ("warfarin", True, False, False),
        ("aspirin", False, False, True),
    ]


def test_snippets_highlight_matches_and_escape_everything_else(make_article):
    make_article(question="Markup?", answer="Quokka & <b>bold</b> text about quokka.")
    [article] = Article.objects.live().search("quokka")
    html = article.snippet
    assert isinstance(html, SafeString)  # the search hands back safe HTML; no view post-processes it
    assert "<mark>Quokka</mark>" in html or "<mark>quokka</mark>" in html
    assert "bold" in html and "<b>" not in html  # escaped (SQLite) or dropped as a tag (PostgreSQL)


def test_results_page_lists_answers_with_highlighted_snippets(client, corpus):
    html = client.get("/search/", {"q": "fridge"}).content.decode()
    assert "How is it stored?" in html
    assert "<mark>fridge</mark>" in html
    assert "1 answer found." in visible_text(html)


def test_an_exact_question_goes_straight_to_the_answer(client, corpus):
    response = client.get("/search/", {"q": "  how is IT stored? "})
    assert response.status_code == 302
    assert response["Location"] == corpus["other"].get_absolute_url()


def test_results_page_queries_are_fixed(client, corpus, make_article, django_assert_max_num_queries):
    for n in range(30):
        make_article(question=f"Zebrafish question {n}?")
    # The next scheduled change, the exact-question check, the drugs and conditions the words name, the results.
    with django_assert_max_num_queries(4 + SEARCH_TRANSACTION):
        assert client.get("/search/", {"q": "zebrafish"}).status_code == 200


@pytest.mark.django_db
def test_the_migrations_build_this_databases_search_index():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'monographs_article'")
            assert any("USING gin (search_vector)" in row[0] for row in cursor.fetchall())
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE 'monographs_article_fts%'")
            names = {row[0] for row in cursor.fetchall()}
            assert {"monographs_article_fts", *(f"monographs_article_fts_{t}" for t in ("ai", "ad", "au"))} <= names


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("inotuzumab", "How does Besponsa work to treat Acute Lymphoblastic Leukemia (ALL)?"),
        ("Besponsa", "How does Besponsa work to treat Acute Lymphoblastic Leukemia (ALL)?"),
    ],
)
def test_an_answer_whose_question_names_the_drug_ranks_above_those_that_mention_it(client, query, first):
    from django.core.management import call_command

    from monographs.models import Article, Drug

    call_command("load_demo", verbosity=0)
    besponsa = Drug.objects.get(brand_name="Besponsa")
    # An answer that mentions the drug often, but is not about it by its question.
    other = Article.objects.create(
        question="What is a cytotoxic agent?",
        slug="cytotoxic-agent",
        answer="Inotuzumab ozogamicin, inotuzumab, inotuzumab: Besponsa carries one. " * 5,
        state="published",
        reviewer=Article.objects.live().first().reviewer,
        reviewed_on=Article.objects.live().first().reviewed_on,
    )
    other.drugs.add(besponsa)
    results = list(Article.objects.live().search(query))
    questions = [a.question for a in results]
    assert questions.index(first) < questions.index("What is a cytotoxic agent?")
    assert results[0].question.lower().count("besponsa") == 1


def test_a_condition_named_in_the_question_ranks_first(client, db):
    from datetime import date

    from monographs.models import Article, Condition, Reviewer

    reviewer = Reviewer.objects.create(name="Ann Lee", slug="ann-lee")
    leukemia = Condition.objects.create(name="Chronic Myeloid Leukemia", abbreviation="CML", slug="cml")
    live = {"state": "published", "reviewer": reviewer, "reviewed_on": date(2024, 3, 12)}
    mentions = Article.objects.create(
        question="What is imatinib?", slug="imatinib", answer="Chronic myeloid leukemia, leukemia, leukemia.", **live
    )
    about = Article.objects.create(
        question="Is Chronic Myeloid Leukemia curable?", slug="cml-curable", answer="Often controlled.", **live
    )
    for article in (mentions, about):
        article.conditions.add(leukemia)
    assert [a.question for a in Article.objects.live().search("myeloid leukemia")] == [
        about.question,
        mentions.question,
    ]


def test_results_show_the_reviewer_and_the_date(client, db):
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)
    text = visible_text(client.get("/search/?q=inotuzumab").content.decode())
    assert "Medically reviewed by Judith Stewart, BPharm. Last updated on March 12, 2024." in text
