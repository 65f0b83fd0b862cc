"""Text is stored one way (LF, no spaces at line ends, NFC), whether typed in a browser or imported."""

import importlib
import json
import unicodedata

import pytest
from django.apps import apps

from monographs import editorial
from monographs.admin import diff
from monographs.content import changed_fields
from monographs.interchange.formats.page_text import parse_text
from monographs.models import Article, Page, Revision
from monographs.text import normalise

from .support import SEED, form_values
from .test_editorial import add_answer, change_url, edit
from .test_import_formats import jsonl, run

pytestmark = pytest.mark.django_db

# As a browser sends a textarea: CRLF, a space left at a line end, "é" in its decomposed form.
TYPED = "Take it with food. \r\n\r\nCaf\u0065\u0301 au lait is fine.\t\r\n"
STORED = "Take it with food.\n\nCaf\u00e9 au lait is fine."


def test_normalise():
    assert normalise(TYPED) == STORED
    assert normalise("a\rb  \n c") == "a\nb\n c"  # old Mac line ends too; leading spaces within are kept
    assert normalise(STORED) == STORED


def test_the_admin_form_stores_normalised_text_and_an_unchanged_resave_changes_nothing(editor_client):
    article = add_answer(editor_client, answer=TYPED, summary="Caf\u0065\u0301. ")
    assert (article.answer, article.summary) == (STORED, "Caf\u00e9.")
    # The browser posts the textarea back with CRLF, as it shows it: nothing reads as changed.
    page = editor_client.get(change_url(article)).content.decode()
    data = form_values(page, "article_form")
    data["answer"] = [data["answer"][0].replace("\n", "\r\n")]
    data["revision_note"] = ["Only a note"]
    assert editor_client.post(change_url(article), data).status_code == 302
    first, second = article.revisions.order_by("number")
    assert changed_fields(first.content, second.content) == []
    assert diff.compare(first.content, second.content).changed == []


@pytest.mark.parametrize("fmt", ["jsonl", "markdown"])
def test_each_import_format_stores_normalised_text(tmp_path, fmt):
    if fmt == "jsonl":
        path = jsonl(tmp_path, {"question": "Caf\u0065\u0301? ", "answer": TYPED, "summary": "One. \r\nTwo."})
    else:
        path = tmp_path / "a.md"
        path.write_bytes(("---\r\nquestion: 'Caf\u0065\u0301? '\r\nsummary: 'One.'\r\n---\r\n" + TYPED).encode())
    run(path)
    article = Article.objects.get()
    assert article.question == "Caf\u00e9?"
    assert article.answer == STORED
    assert article.revisions.get().content["answer"] == STORED


def test_the_saved_page_format_stores_normalised_text():
    plain = parse_text(SEED.read_text(encoding="utf-8"), "page.txt")
    crlf_nfd = parse_text(
        unicodedata.normalize("NFD", SEED.read_text(encoding="utf-8")).replace("\n", "  \r\n"), "page.txt"
    )
    assert (crlf_nfd.question, crlf_nfd.answer, crlf_nfd.summary) == (plain.question, plain.answer, plain.summary)


def test_an_import_of_the_same_words_with_crlf_is_unchanged(tmp_path):
    run(jsonl(tmp_path, {"external_id": "a", "question": "Q?", "answer": STORED}))
    out = run(jsonl(tmp_path, {"external_id": "a", "question": "Q?", "answer": TYPED}, name="again.jsonl"))
    assert "1 unchanged" in out
    assert Revision.objects.count() == 1


def test_the_migration_normalises_what_is_stored_and_records_a_revision_only_where_text_changed(editor_client):
    crlf = add_answer(editor_client, question="Typed before?", answer="First.")
    clean = add_answer(editor_client, question="Already clean?", answer="Clean.")
    # As stored before text was normalised: the row and its latest revision hold CRLF.
    Article.objects.filter(pk=crlf.pk).update(answer="First. \r\n\r\nSecond.")
    Revision.objects.filter(article=crlf).update(
        content={**crlf.revisions.get().content, "answer": "First. \r\n\r\nSecond."}
    )
    Page.objects.create(slug="p", title="P", body="One.\r\n\r\nTwo.")

    migration = importlib.import_module("monographs.migrations.0013_normalise_text")
    migration.normalise_text(apps, None)

    crlf.refresh_from_db()
    assert crlf.answer == "First.\n\nSecond."
    assert crlf.answer_html == "<p>First.</p>\n<p>Second.</p>"
    latest = crlf.revisions.order_by("-number").first()
    assert (latest.number, latest.source, latest.content["answer"]) == (2, Revision.Source.NORMALISE, crlf.answer)
    assert crlf.version == 2
    assert clean.revisions.count() == 1  # nothing to normalise, no revision
    assert Page.objects.get(slug="p").body == "One.\n\nTwo."

    migration.normalise_text(apps, None)  # running it again changes nothing
    assert crlf.revisions.count() == 2


def test_a_normalising_revision_needs_no_new_sign_off(editor_client, reviewer_client):
    from .test_editorial import sign_off

    article = add_answer(editor_client, answer="Signed.")
    assert sign_off(reviewer_client, article).status_code == 302
    content = article.revisions.get().content
    editorial.record_revision(article, content=content, source=Revision.Source.NORMALISE)
    assert not editorial.needs_sign_off(editorial.latest_revision(article))
    edit(editor_client, editorial.start_draft(article), answer="Changed.")
    assert editorial.needs_sign_off(editorial.latest_revision(article))


def test_jsonl_keeps_its_own_escapes(tmp_path):
    # A literal backslash-n in JSON text is two characters, not a line break: normalising leaves it alone.
    run(jsonl(tmp_path, json.loads('{"question": "Q?", "answer": "a\\\\nb"}')))
    assert Article.objects.get().answer == "a\\nb"
