"""Undo and restore keep every address: an answer back on the site answers at each address it ever had.

Seen: undoing an import that renamed a live answer left the import's address
404 and a redirect pointing at itself; a withdrawn answer's own revision could
not be restored, and its last address was 404 once it was signed off again.
"""

import pytest

from monographs import editorial
from monographs.models import Article, ArticleRedirect, ImportBatch

from .support import visible_text
from .test_editorial import ADMIN, add_answer, change_url, edit, publish_new, sign_off
from .test_import_formats import jsonl, published, run

pytestmark = pytest.mark.django_db


def test_undoing_an_import_that_renamed_a_live_answer_keeps_both_addresses(tmp_path, reader):
    run(jsonl(tmp_path, published("first-name", external_id="A-1")))
    run(jsonl(tmp_path, published("second-name", external_id="A-1")))
    assert reader.get("/medical-answers/first-name/")["Location"] == "/medical-answers/second-name/"

    run(undo=ImportBatch.objects.order_by("-pk").first().pk)
    assert reader.get("/medical-answers/first-name/").status_code == 200
    moved = reader.get("/medical-answers/second-name/")
    assert (moved.status_code, moved["Location"]) == (301, "/medical-answers/first-name/")
    assert not ArticleRedirect.objects.filter(old_slug="first-name").exists()  # never a redirect to itself


def test_a_withdrawn_answer_is_brought_back_at_every_address_it_had(editor_client, reviewer_client, reader):
    article = publish_new(editor_client, reviewer_client, question="Is it safe with food?", answer="Yes.")
    editor_client.post(f"{ADMIN}{article.pk}/start-draft/")
    edit(editor_client, article.pending_draft, slug="food-and-besponsa", answer="Yes, with food.")
    assert sign_off(reviewer_client, article).status_code == 302
    editorial.withdraw(article, _user(reviewer_client), "Label changed.")
    assert reader.get("/medical-answers/food-and-besponsa/").status_code == 410
    assert reader.get("/medical-answers/is-it-safe-with-food/").status_code == 410  # its old address too

    # The withdrawn page says who, when and why, and offers to bring this version back.
    page = visible_text(editor_client.get(change_url(article)).content.decode())
    assert "Withdrawn by Rita Reviewer on" in page and "Label changed." in page
    assert "Bring back this version" in page
    history = editor_client.get(f"{ADMIN}{article.pk}/revisions/").content.decode()
    newest = editorial.latest_revision(article).number
    assert f"/revisions/{newest}/restore/" in history  # the withdrawn revision too

    # Bringing back the first version (its first address) keeps the 410 until a reviewer signs it off.
    assert editor_client.post(f"{ADMIN}{article.pk}/revisions/1/restore/").status_code == 302
    article.refresh_from_db()
    assert article.state == Article.State.WITHDRAWN and article.pending_draft.slug == "is-it-safe-with-food"
    assert reader.get("/medical-answers/food-and-besponsa/").status_code == 410
    assert sign_off(reviewer_client, article).status_code == 302  # submitted by its editor, then signed

    assert reader.get("/medical-answers/is-it-safe-with-food/").status_code == 200
    moved = reader.get("/medical-answers/food-and-besponsa/")  # the address readers last used
    assert (moved.status_code, moved["Location"]) == (301, "/medical-answers/is-it-safe-with-food/")


def test_bring_back_this_version_restores_the_withdrawn_revision(editor_client, reviewer_client, reader):
    article = publish_new(editor_client, reviewer_client, question="Can it be crushed?", answer="No.")
    editorial.withdraw(article, _user(reviewer_client), "Checking the label.")
    newest = editorial.latest_revision(article).number
    assert editor_client.post(f"{ADMIN}{article.pk}/revisions/{newest}/restore/").status_code == 302
    assert sign_off(reviewer_client, article).status_code == 302
    page = reader.get("/medical-answers/can-it-be-crushed/")
    assert page.status_code == 200 and "No." in visible_text(page.content.decode())


def _user(client):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=client.session["_auth_user_id"])


def test_an_answer_taken_offline_and_renamed_is_found_where_readers_knew_it(
    tmp_path, editor_client, reviewer_client, reader
):
    """Found by the reader-promise state machine: live, taken offline by an undo, renamed, live again."""
    from .test_editorial import add_answer

    article = add_answer(editor_client, question="Can it be frozen?", answer="No.")
    run(jsonl(tmp_path, published("can-it-be-frozen", question="Can it be frozen?", answer="No, never.")))
    assert reader.get("/medical-answers/can-it-be-frozen/").status_code == 200
    run(undo=ImportBatch.objects.get().pk)  # what the import published was never signed in drugref: offline
    assert reader.get("/medical-answers/can-it-be-frozen/").status_code == 404

    edit(editor_client, Article.objects.get(pk=article.pk), slug="freezing", answer="No: keep it cool.")
    assert sign_off(reviewer_client, Article.objects.get(pk=article.pk)).status_code == 302
    moved = reader.get("/medical-answers/can-it-be-frozen/")
    assert (moved.status_code, moved["Location"]) == (301, "/medical-answers/freezing/")


def test_an_address_that_led_nowhere_while_offline_leads_to_the_answer_once_it_is_live_again(
    tmp_path, editor_client, reader, settings
):
    """Found by the nightly reader-promise run: a redirect kept while its answer was offline, a 404 cached there."""
    settings.DRUGREF_PAGE_CACHE = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    article = add_answer(editor_client, question="Is it given weekly?", answer="Draft.")
    run(jsonl(tmp_path, published("is-it-given-weekly", question="Is it given weekly?")))  # live at its first address
    run(undo=ImportBatch.objects.order_by("-pk").first().pk)  # offline again, a draft
    edit(editor_client, article, slug="weekly-dosing")
    run(
        jsonl(tmp_path, published("weekly-dosing", question="Is it given weekly?"))
    )  # live: the first address leads here
    run(undo=ImportBatch.objects.order_by("-pk").first().pk)
    assert reader.get("/medical-answers/is-it-given-weekly/").status_code == 404  # offline: and so cached
    run(jsonl(tmp_path, published("weekly-dosing", question="Is it given weekly?")))
    moved = reader.get("/medical-answers/is-it-given-weekly/")
    assert (moved.status_code, moved["Location"]) == (301, "/medical-answers/weekly-dosing/")
