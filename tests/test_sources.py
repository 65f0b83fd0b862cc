"""Sources on every answer: edited with it, recorded and compared, imported and exported, shown and cited."""

import pytest
from django.core.management import call_command

from monographs import editorial
from monographs.admin import diff
from monographs.demo import BESPONSA_SLUG
from monographs.models import Article

from .support import assert_in_order, form_values, visible_text
from .test_editorial import ADMIN, add_answer, change_url, publish_new, sign_off
from .test_import_formats import FULL_SOURCE, jsonl, problems_of, run
from .test_seo import structured_data

pytestmark = pytest.mark.django_db


def with_sources(data, *rows):
    """Fill the form's source rows (as a browser sends them) with `rows`: dicts of the row's fields."""
    data = dict(data)
    for n, row in enumerate(rows):
        data |= {f"sources-{n}-{key}": [value] for key, value in row.items()}
    data["sources-TOTAL_FORMS"] = [str(max(len(rows), int(data["sources-TOTAL_FORMS"][0])))]
    return data


def add_page(client):
    return form_values(client.get(f"{ADMIN}add/").content.decode(), "article_form") | {
        "question": ["Is it given at home?"],
        "slug": ["is-it-given-at-home"],
        "answer": ["No, in hospital."],
    }


def test_sources_are_edited_with_the_answer_in_the_order_given(editor_client):
    rows = [
        {"title": "Second by order", "ORDER": "2"},
        {},  # an empty row is no source
        {"title": "First by order", "publisher": "Pfizer", "url": "https://example.org/pi.pdf", "ORDER": "1",
         "published_on": "2024-03-01", "section": "Boxed warning"},
    ]  # fmt: skip
    assert editor_client.post(f"{ADMIN}add/", with_sources(add_page(editor_client), *rows)).status_code == 302
    article = Article.objects.get(slug="is-it-given-at-home")
    assert article.sources == [
        {"title": "First by order", "publisher": "Pfizer", "url": "https://example.org/pi.pdf",
         "published_on": "2024-03-01", "section": "Boxed warning"},
        {"title": "Second by order"},
    ]  # fmt: skip
    assert article.revisions.get().content["sources"] == article.sources
    # The form shows them again, one row each, to change or delete.
    page = form_values(editor_client.get(change_url(article)).content.decode(), "article_form")
    assert page["sources-0-title"] == ["First by order"] and page["sources-1-title"] == ["Second by order"]
    page |= {"sources-0-DELETE": ["on"]}
    assert editor_client.post(change_url(article), page).status_code == 302
    article.refresh_from_db()
    assert article.sources == [{"title": "Second by order"}]


@pytest.mark.parametrize(
    "row, message",
    [
        ({"title": "PI", "url": "javascript:alert(1)"}, "The web address is not a web address (http or https)."),
        ({"publisher": "Pfizer"}, "The title is required."),
        ({"title": "PI", "published_on": "2024-13-45"}, "Enter a valid date."),
    ],
)
def test_a_bad_source_is_refused_with_its_field_named_and_nothing_saved(editor_client, row, message):
    response = editor_client.post(f"{ADMIN}add/", with_sources(add_page(editor_client), row))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "Check the sources" in response.content.decode()
    assert not Article.objects.filter(slug="is-it-given-at-home").exists()


def test_a_post_without_source_rows_keeps_the_sources(editor_client):
    article = add_answer(editor_client)
    Article.objects.filter(pk=article.pk).update(sources=[{"title": "Kept"}])
    data = form_values(editor_client.get(change_url(article)).content.decode(), "article_form")
    data = {key: value for key, value in data.items() if not key.startswith("sources-")} | {"answer": ["New."]}
    assert editor_client.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    assert (article.answer, article.sources) == ("New.", [{"title": "Kept"}])


def test_sources_are_signed_off_compared_and_shown_to_readers(editor_client, reviewer_client, reader):
    article = publish_new(editor_client, reviewer_client, question="Is it given at home?")
    draft = editorial.start_draft(article)
    data = form_values(editor_client.get(change_url(draft)).content.decode(), "article_form")
    assert editor_client.post(change_url(draft), with_sources(data, FULL_SOURCE)).status_code == 302
    assert "BESPONSA: Prescribing Information" not in reader.get(article.get_absolute_url()).content.decode()

    first, second = article.revisions.order_by("number")
    changed = diff.compare(first.content, second.content).changed
    assert [row.name for row in changed] == ["sources"]
    assert "<ins>BESPONSA: Prescribing Information · Pfizer · §5.1 · https://example.org/besponsa.pdf" in str(
        changed[0].html
    )
    editorial.submit_for_review(article, second.created_by)
    page = reviewer_client.get(f"{ADMIN}{article.pk}/sign-off/").content.decode()
    assert "Changes from the live version" in page and "BESPONSA: Prescribing Information" in page
    assert sign_off(reviewer_client, article).status_code == 302

    html = reader.get(article.get_absolute_url()).content.decode()
    text = visible_text(html)
    assert_in_order(text, ["Official answer", "Sources", "BESPONSA: Prescribing Information, §5.1. Pfizer. "
                           "Published March 1, 2024. Accessed March 12, 2024."])  # fmt: skip
    assert '<a href="https://example.org/besponsa.pdf">BESPONSA: Prescribing Information</a>' in html
    [citation] = structured_data(html)["MedicalWebPage"]["citation"]
    assert citation == {
        "@type": "CreativeWork",
        "name": "BESPONSA: Prescribing Information",
        "publisher": {"@type": "Organization", "name": "Pfizer"},
        "url": "https://example.org/besponsa.pdf",
        "datePublished": "2024-03-01",
    }


def test_markup_in_a_source_is_shown_as_text(make_article, reader):
    article = make_article(sources=[{"title": "<script>alert(1)</script>", "publisher": "</script><b>x"}])
    html = reader.get(article.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "</script><b>x" not in html  # the JSON-LD too


def test_a_stored_address_that_is_not_a_web_link_never_reaches_the_page(make_article, reader):
    article = make_article(sources=[{"title": "PI", "url": "javascript:alert(1)"}])
    html = reader.get(article.get_absolute_url()).content.decode()
    assert "javascript:" not in html and "PI" in visible_text(html)


@pytest.mark.parametrize("fmt", ["jsonl", "markdown"])
def test_each_import_format_carries_sources(tmp_path, fmt):
    record = {"question": "Q?", "answer": "A.", "sources": [FULL_SOURCE, {"title": "Alone"}]}
    if fmt == "jsonl":
        path = jsonl(tmp_path, record)
    else:
        path = tmp_path / "q.md"
        path.write_text(
            "---\nquestion: Q?\nsources:\n"
            "  - {title: 'BESPONSA: Prescribing Information', publisher: Pfizer, url: 'https://example.org/besponsa.pdf',"
            " published_on: 2024-03-01, accessed_on: 2024-03-12, section: §5.1}\n"
            "  - title: Alone\n---\nA.\n"
        )
    run(path)
    article = Article.objects.get()
    assert article.sources == [FULL_SOURCE, {"title": "Alone"}]
    assert article.revisions.get().content["sources"] == article.sources


def test_an_import_names_the_bad_source_and_its_field(tmp_path):
    path = jsonl(
        tmp_path, {"question": "Q?", "answer": "A.", "sources": [{"title": "Fine"}, {"title": "PI", "url": "ftp://x"}]}
    )
    assert "answers.jsonl:1: sources: source 2: web address is not a web address (http or https)" in problems_of(path)
    path = jsonl(tmp_path, {"question": "Q?", "answer": "A.", "sources": "PI"}, name="b.jsonl")
    assert "b.jsonl:1: sources: expected a list of sources" in problems_of(path)
    assert not Article.objects.exists()


def test_a_reimport_without_sources_keeps_them_and_one_with_new_ones_is_a_revision(tmp_path):
    run(jsonl(tmp_path, {"external_id": "a", "question": "Q?", "answer": "A.", "sources": [{"title": "One"}]}))
    run(jsonl(tmp_path, {"external_id": "a", "question": "Q?", "answer": "A."}, name="b.jsonl"))
    assert Article.objects.get().sources == [{"title": "One"}]
    out = run(
        jsonl(
            tmp_path,
            {"external_id": "a", "question": "Q?", "answer": "A.", "sources": [{"title": "Two"}]},
            name="c.jsonl",
        )
    )
    assert "updated" in out
    article = Article.objects.get()
    assert article.sources == [{"title": "Two"}]
    assert article.revisions.order_by("-number").first().content["sources"] == [{"title": "Two"}]


def test_the_demo_cites_the_besponsa_prescribing_information(reader):
    call_command("load_demo", verbosity=0)
    article = Article.objects.get(slug=BESPONSA_SLUG)
    assert article.sources == [
        {
            "title": "BESPONSA (inotuzumab ozogamicin) for injection, for intravenous use: Prescribing Information",
            "publisher": "Pfizer",
        }
    ]
    text = visible_text(reader.get(article.get_absolute_url()).content.decode())
    assert (
        "Sources BESPONSA (inotuzumab ozogamicin) for injection, for intravenous use: Prescribing Information. Pfizer."
        in text
    )
    revisions = article.revisions.count()
    call_command("load_demo", verbosity=0)  # again: nothing new
    assert article.revisions.count() == revisions


# Inline citations: "[1]" in the answer's Markdown links to source 1, and source 1 links back.

TWO_SOURCES = [{"title": "Prescribing information"}, {"title": "Drug label", "url": "https://example.org/label"}]


def test_an_inline_citation_links_to_its_numbered_source_and_back(make_article, reader):
    article = make_article(answer="Given weekly [1]. The dose is cut for liver disease [2] [1].", sources=TWO_SOURCES)
    html = reader.get(article.get_absolute_url()).content.decode()

    def citation(n, anchor):
        hidden = '<span class="visually-hidden">source </span>'
        return f'<sup class="citation"><a href="#source-{n}" id="{anchor}">[{hidden}{n}]</a></sup>'

    first, second, again = citation(1, "cite-1"), citation(2, "cite-2"), citation(1, "cite-1-2")
    assert f"Given weekly {first}. The dose is cut for liver disease {second} {again}." in html
    back = '<a class="back-to-citation" href="#cite-{}">'
    assert f'<li id="source-1">Prescribing information. {back.format(1)}' in html
    assert f'<li id="source-2"><a href="https://example.org/label">Drug label</a>. {back.format(2)}' in html
    assert "Given weekly [source 1]." in visible_text(html)  # what a screen reader says
    # Structured data keeps the sources as they are, and the text as written.
    page = structured_data(html)["MedicalWebPage"]
    assert [c["name"] for c in page["citation"]] == ["Prescribing information", "Drug label"]
    assert page["mainEntity"]["acceptedAnswer"]["text"].startswith("Given weekly [1].")


def test_a_citation_in_a_warning_block_is_linked_where_the_block_is_shown_first_with_each_id_once(make_article, reader):
    article = make_article(
        answer="Given weekly [2].\n\n> **Boxed warning**\n>\n> Liver damage [1].", sources=TWO_SOURCES
    )
    html = reader.get(article.get_absolute_url()).content.decode()
    warning = html.index('<aside class="warning"')
    assert html.index('id="cite-1"') > warning and html.index('id="cite-1"') < html.index('id="official-answer"')
    assert html.index('id="cite-2"') > html.index('id="official-answer"')
    for anchor in ("cite-1", "cite-2"):
        assert html.count(f'id="{anchor}"') == 1
    assert html.count('id="cite-1-2"') == 1  # the warning's words in the answer text cite it again
    assert "Liver damage [source 1]." in visible_text(html)


def test_a_number_with_no_source_and_brackets_in_links_or_code_stay_as_written(make_article, reader):
    article = make_article(
        answer="See [3] and [0]. `x[1]` and [a link [1]](https://example.org/) stay.\n\n    code [1]\n",
        sources=TWO_SOURCES[:1],
    )
    html = reader.get(article.get_absolute_url()).content.decode()
    assert "See [3] and [0]." in html
    assert "<code>x[1]</code>" in html and ">a link [1]</a>" in html and "code [1]" in html
    assert 'id="cite-' not in html and "back-to-citation" not in html  # nothing cited: no way back either


def test_a_source_not_cited_inline_has_no_back_link(make_article, reader):
    article = make_article(answer="Given weekly [2].", sources=TWO_SOURCES)
    html = reader.get(article.get_absolute_url()).content.decode()
    assert '<li id="source-1">Prescribing information.</li>' in html
    assert 'href="#cite-2"' in html and 'href="#cite-1"' not in html


# A reviewer signs off only an answer that cites a source (settings.DRUGREF_SIGN_OFF_NEEDS_SOURCE, on by default).

NO_SOURCE = "cannot be signed off. It cites no source: add at least one under Sources"


def _submitted_without_sources(editor_client):
    data = add_page(editor_client) | {"sources-0-title": [""], "_submit_for_review": ["1"]}
    assert editor_client.post(f"{ADMIN}add/", data).status_code == 302
    return Article.objects.get(slug="is-it-given-at-home")


def test_an_answer_citing_no_source_cannot_be_signed_off(editor_client, reviewer_client, reader):
    article = _submitted_without_sources(editor_client)
    page = visible_text(reviewer_client.get(f"{ADMIN}{article.pk}/sign-off/").content.decode())
    assert f"Revision 1 {NO_SOURCE}" in page
    response = reviewer_client.post(f"{ADMIN}{article.pk}/sign-off/", {"revision": 1, "change_note": ""}, follow=True)
    assert NO_SOURCE in visible_text(response.content.decode())
    assert not Article.objects.filter(pk=article.pk).live().exists()
    assert reader.get(article.get_absolute_url()).status_code == 404
    # From the list, ticked with others, it is refused the same way.
    ticked = reviewer_client.post(ADMIN, {"action": "review_and_sign_off", "_selected_action": [article.pk]})
    assert NO_SOURCE in visible_text(ticked.content.decode())

    # A source added, it can.
    data = with_sources(
        form_values(editor_client.get(change_url(article)).content.decode(), "article_form"),
        {"title": "Prescribing information"},
    )
    assert editor_client.post(change_url(article), data | {"_submit_for_review": ["1"]}).status_code == 302
    assert sign_off(reviewer_client, article).status_code == 302
    assert Article.objects.filter(pk=article.pk).live().exists()


def test_a_site_may_allow_sign_off_without_sources(editor_client, reviewer_client, settings):
    settings.DRUGREF_SIGN_OFF_NEEDS_SOURCE = False
    article = _submitted_without_sources(editor_client)
    assert sign_off(reviewer_client, article).status_code == 302
    assert Article.objects.filter(pk=article.pk).live().exists()
