"""No edit lost on the way to review: save and submit in one press, no unchanged resubmission, no bare refusal.

Each test is a case seen by editors: edits vanished when they pressed the separate
Submit button, a revision sent back went back unchanged, and a save after a
reviewer signed the answer off was refused with a bare 403 and the text lost.
"""

import pytest
from django.core import mail

from monographs import editorial
from monographs.models import Article, Revision

from .support import form_values, visible_text
from .test_editorial import ADMIN, add_answer, change_url, sign_off
from .test_review_loop import post_sign_off

pytestmark = pytest.mark.django_db


def save(client, article, press="_save", **changes):
    """Open the answer's change form, change fields, and press a button of the form."""
    page = client.get(change_url(article)).content.decode()
    data = form_values(page, "article_form") | {name: [value] for name, value in changes.items()}
    return client.post(change_url(article), data | {press: ["1"]}, follow=True), page


def test_save_and_submit_sends_the_edits_just_made_to_review(
    editor_client,
    reviewer_client,
    with_email,
    django_capture_on_commit_callbacks,
):
    article = add_answer(editor_client)
    editorial.submit_for_review(article, article.revisions.get().created_by)
    post_sign_off(reviewer_client, article, request_changes="1", comment="Name the food.")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response, page = save(editor_client, article, "_submit_for_review", answer="Yes, with a meal.")
    assert 'name="_submit_for_review"' in page  # inside the form, beside Save
    assert "Saved and submitted for medical review." in visible_text(response.content.decode())
    article.refresh_from_db()
    latest = editorial.latest_revision(article)
    assert (article.state, latest.content["answer"]) == (Article.State.IN_REVIEW, "Yes, with a meal.")
    assert [m.to for m in mail.outbox] == [["rita@example.org"]]  # the reviewers, once


def test_a_revision_sent_back_cannot_go_back_unchanged(editor_client, reviewer_client):
    article = add_answer(editor_client)
    editorial.submit_for_review(article, article.revisions.get().created_by)
    post_sign_off(reviewer_client, article, request_changes="1", comment="Name the food.")

    response, _ = save(editor_client, article, "_submit_for_review")  # saved as it was, and submitted
    text = visible_text(response.content.decode())
    assert "Saved, but not submitted: Revision 1 was sent back by Rita Reviewer, who asked: “Name the food.”" in text
    assert editor_client.post(f"{ADMIN}{article.pk}/submit/").status_code == 302
    article.refresh_from_db()
    assert article.state == Article.State.DRAFT

    save(editor_client, article, "_submit_for_review", answer="Yes, with a meal.")
    article.refresh_from_db()
    assert article.state == Article.State.IN_REVIEW


def test_a_save_after_a_new_answer_was_signed_off_goes_to_a_new_draft(editor_client, reviewer_client, reader):
    article = add_answer(editor_client, answer="Yes, it is.")
    page = editor_client.get(change_url(article)).content.decode()  # the editor opens it, then a reviewer signs
    assert sign_off(reviewer_client, article).status_code == 302

    data = form_values(page, "article_form") | {"answer": ["Yes, it is, with a meal."], "_continue": ["1"]}
    response = editor_client.post(change_url(article), data, follow=True)
    text = visible_text(response.content.decode())
    assert response.status_code == 200
    assert "This answer went live while you were editing it" in text
    article.refresh_from_db()
    assert article.is_live and article.answer == "Yes, it is."  # readers keep the signed-off text
    assert article.pending_draft.answer == "Yes, it is, with a meal."  # and nothing typed is lost
    assert editorial.latest_revision(article).content["answer"] == "Yes, it is, with a meal."


def test_a_save_to_a_draft_signed_off_meanwhile_goes_to_a_new_draft(editor_client, reviewer_client):
    article = add_answer(editor_client, answer="Yes, it is.")
    assert sign_off(reviewer_client, article).status_code == 302
    editor_client.post(f"{ADMIN}{article.pk}/start-draft/")
    draft = Article.objects.get(draft_of=article)
    save(editor_client, draft, answer="Yes, with food.")
    page = editor_client.get(change_url(draft)).content.decode()  # opened again, then signed off
    assert sign_off(reviewer_client, article).status_code == 302
    assert not Article.objects.filter(pk=draft.pk).exists()

    data = form_values(page, "article_form") | {"summary": ["Take it with food."], "_continue": ["1"]}
    response = editor_client.post(change_url(draft), data, follow=True)
    assert "This answer went live while you were editing it" in visible_text(response.content.decode())
    article.refresh_from_db()
    assert (article.answer, article.summary) == ("Yes, with food.", "")
    assert article.pending_draft.summary == "Take it with food."
    assert Revision.objects.filter(article=article, content__summary="Take it with food.").exists()
