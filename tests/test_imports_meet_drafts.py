"""Imports meet drafts: a change to a live answer reaches its pending draft by the rule of an edit conflict.

Seen: an import that changed a live answer with a pending draft left the draft
stuck ("Revision 3 is already signed off. There is nothing to sign"), showed no
conflict when the editor saved again, and signing the draft off silently
reverted the import's change to a field the editor never touched.
"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from monographs import editorial
from monographs.models import Article, ArticleEvent, ImportBatch, Revision

from .support import form_values, visible_text
from .test_editorial import ADMIN, change_url, edit, sign_off
from .test_import_formats import jsonl, published

pytestmark = pytest.mark.django_db
SOURCES = [{"title": "Prescribing information"}]  # a reviewer signs off only an answer that cites a source


@pytest.fixture
def drafted(tmp_path, editor_client):
    """A live imported answer whose editor has a pending draft changing its answer text, submitted for review."""
    record = published("a", summary="Old summary.", sources=SOURCES)
    call_command("import_articles", str(jsonl(tmp_path, record)), stdout=StringIO())
    article = Article.objects.get(slug="a")
    editor_client.post(f"{ADMIN}{article.pk}/start-draft/")
    assert edit(editor_client, article.pending_draft, answer="The editor's new answer.").status_code == 302
    editorial.submit_for_review(article, editorial.latest_revision(article).created_by)
    return Article.objects.get(pk=article.pk)  # without the draft it cached


def reimport(tmp_path, *args, **fields):
    record = published("a", summary="Old summary.", sources=SOURCES) | fields
    call_command("import_articles", str(jsonl(tmp_path, record, name="again.jsonl")), *args, stdout=StringIO())


def test_fields_only_the_import_changed_are_taken_into_the_draft(tmp_path, drafted, reviewer_client, reader):
    reimport(tmp_path, summary="The import's summary.")
    draft = Article.objects.get(draft_of=drafted)
    assert (draft.summary, draft.answer, draft.state) == (
        "The import's summary.",
        "The editor's new answer.",
        Article.State.IN_REVIEW,
    )
    latest = editorial.latest_revision(drafted)
    assert latest.source == Revision.Source.MERGE and latest.content["summary"] == "The import's summary."
    batch = ImportBatch.objects.order_by("-pk").first()
    history = visible_text(reviewer_client.get(f"{ADMIN}{drafted.pk}/revisions/").content.decode())
    assert f"Import batch {batch.pk} changed the live answer" in history and "taken into this draft: summary" in history

    page = visible_text(reviewer_client.get(f"{ADMIN}{drafted.pk}/sign-off/").content.decode())
    assert "already signed off" not in page and "The editor's new answer." in page
    assert sign_off(reviewer_client, drafted).status_code == 302
    assert "The editor's new answer." in visible_text(reader.get("/medical-answers/a/").content.decode())
    live = Article.objects.get(pk=drafted.pk)
    assert (live.answer, live.summary) == ("The editor's new answer.", "The import's summary.")  # nothing reverted


def test_a_field_both_changed_goes_back_to_the_editor_to_choose(tmp_path, drafted, editor_client, reviewer_client):
    reimport(tmp_path, answer="The import's answer.", summary="The import's summary.")
    draft = Article.objects.get(draft_of=drafted)
    assert (draft.answer, draft.summary, draft.state) == (
        "The editor's new answer.",
        "The import's summary.",
        Article.State.DRAFT,
    )
    conflict = ArticleEvent.objects.get(kind=ArticleEvent.Kind.IMPORT_CONFLICT)
    assert "changed answer of the live answer" in conflict.note
    page = visible_text(editor_client.get(change_url(draft)).content.decode())
    assert "An import changed what this draft changes" in page and "changed answer" in page
    refused = visible_text(reviewer_client.get(f"{ADMIN}{drafted.pk}/sign-off/").content.decode())
    assert "has not been submitted for review yet" in refused

    editorial.submit_for_review(drafted, _editor())
    conflict.refresh_from_db()
    assert conflict.resolved_at is not None
    assert sign_off(reviewer_client, Article.objects.get(pk=drafted.pk)).status_code == 302
    drafted.refresh_from_db()
    assert (drafted.answer, drafted.summary) == ("The editor's new answer.", "The import's summary.")


def test_an_editor_with_the_form_open_sees_the_import_as_a_conflict(tmp_path, drafted, editor_client):
    draft = Article.objects.get(draft_of=drafted)
    editor_client.post(f"{ADMIN}{drafted.pk}/submit/")
    page = editor_client.get(change_url(draft)).content.decode()  # opened before the import
    reimport(tmp_path, summary="The import's summary.")
    data = form_values(page, "article_form") | {"question": ["What about a, really?"]}
    response = editor_client.post(change_url(draft), data)
    text = visible_text(response.content.decode())
    assert response.status_code == 200 and "after you opened it" in text
    assert "their changes to summary" in text and "your changes to question" in text


def test_on_draft_refuse_imports_nothing_and_names_the_draft(tmp_path, drafted):
    before = editorial.latest_revision(drafted).number
    draft = Article.objects.get(draft_of=drafted)
    with pytest.raises(CommandError) as refused:
        reimport(tmp_path, "--on-draft=refuse", summary="The import's summary.")
    message = str(refused.value)
    assert f"again.jsonl:1: summary: “a” has a pending draft (/admin/monographs/article/{draft.pk}/change/)" in message
    assert "nothing was imported" in message
    drafted.refresh_from_db()
    assert drafted.summary == "Old summary." and editorial.latest_revision(drafted).number == before
    assert ImportBatch.objects.count() == 1


def test_the_editor_of_a_draft_still_cannot_sign_it_off_after_an_import(tmp_path, editor, drafted):
    from django.contrib.auth.models import Group

    from monographs.models import Reviewer

    editor.groups.add(Group.objects.get(name="Medical reviewers"))
    Reviewer.objects.create(name="Eddie Editor", credentials="PharmD", slug="eddie-editor", user=editor)
    reimport(tmp_path, summary="The import's summary.")
    latest = editorial.latest_revision(drafted)
    assert "another medical reviewer must sign it off" in editorial.sign_off_refusal(drafted, latest, editor)


def _editor():
    from django.contrib.auth.models import User

    return User.objects.get(username="eddie")
