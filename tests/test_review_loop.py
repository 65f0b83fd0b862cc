"""The review loop: submit, request changes, two people per answer, e-mail, one audit trail, addresses kept."""

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth.models import Group, User
from django.core import mail
from django.test import Client

from monographs import editorial
from monographs.models import Article, ArticleEvent, ArticleRedirect, Reviewer, SignOff

from .support import form_values, visible_text
from .test_editorial import ADMIN, add_answer, change_url, edit, publish_new, sign_off, submit
from .test_import_formats import jsonl, problems_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_reviewer(db):
    user = User.objects.create_user("sam", password="pw", first_name="Sam", last_name="Second", is_staff=True)
    user.email = "sam@example.org"
    user.save()
    user.groups.add(Group.objects.get(name="Medical reviewers"))
    Reviewer.objects.create(name="Sam Second", credentials="PharmD", slug="sam-second", user=user)
    client = Client()
    client.force_login(user)
    return client


def post_sign_off(client, article, **data):
    number = article.revisions.order_by("-number").first().number
    return client.post(f"{ADMIN}{article.pk}/sign-off/", {"revision": number, **data}, follow=True)


# Submitting, sending back, signing off


def test_only_a_submitted_revision_can_be_signed_off(editor_client, reviewer_client):
    article = add_answer(editor_client)
    page = reviewer_client.get(f"{ADMIN}{article.pk}/sign-off/").content.decode()
    assert "has not been submitted for review yet" in page and 'name="sign_off"' not in page
    response = post_sign_off(reviewer_client, article)
    assert "has not been submitted for review" in response.content.decode()
    article.refresh_from_db()
    assert not article.is_live and not SignOff.objects.exists()


def test_requesting_changes_sends_the_answer_back_with_the_comment(
    editor_client, reviewer_client, with_email, django_capture_on_commit_callbacks
):
    article = add_answer(editor_client)
    with django_capture_on_commit_callbacks(execute=True):
        assert editor_client.post(f"{ADMIN}{article.pk}/submit/").status_code == 302
    assert [m.to for m in mail.outbox] == [["rita@example.org"]]
    assert mail.outbox[0].subject == "Waiting for your review: Is it safe with food?"
    assert f"/admin/monographs/article/{article.pk}/sign-off/" in mail.outbox[0].body

    refused = post_sign_off(reviewer_client, article, request_changes="1", comment="  ")
    assert "Say what should change" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = post_sign_off(reviewer_client, article, request_changes="1", comment="Name the food.\r\nAnd the dose.")
    assert "sent back to its editor" in done.content.decode()
    article.refresh_from_db()
    assert article.state == Article.State.DRAFT
    assert mail.outbox[-1].to == ["eddie@example.org"]
    assert mail.outbox[-1].subject == "Changes requested: Is it safe with food?"
    assert "Name the food." in mail.outbox[-1].body

    # The comment waits on the answer's page until the editor submits again.
    page = visible_text(editor_client.get(change_url(article)).content.decode())
    assert "Changes requested by Rita Reviewer" in page and "Name the food." in page
    edit(editor_client, article, answer="Yes, with a meal; 2 mg.")
    editor_client.post(f"{ADMIN}{article.pk}/submit/")
    assert "Name the food." not in editor_client.get(change_url(article)).content.decode()
    history = visible_text(editor_client.get(f"{ADMIN}{article.pk}/revisions/").content.decode())
    assert "Changes requested: revision 1" in history and "Name the food." in history
    assert "Submitted for review: revision 2" in history


def test_the_editor_hears_of_the_sign_off(
    editor_client, reviewer_client, with_email, django_capture_on_commit_callbacks
):
    article = add_answer(editor_client)
    submit(article)
    with django_capture_on_commit_callbacks(execute=True):
        post_sign_off(reviewer_client, article)
    assert mail.outbox[-1].to == ["eddie@example.org"]
    assert mail.outbox[-1].subject == "Signed off and live: Is it safe with food?"
    assert "/medical-answers/is-it-safe-with-food/" in mail.outbox[-1].body


def test_a_mail_server_that_is_down_does_not_undo_the_step(
    editor_client, with_email, settings, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    article = add_answer(editor_client)
    with django_capture_on_commit_callbacks(execute=True):
        assert editor_client.post(f"{ADMIN}{article.pk}/submit/").status_code == 302
    article.refresh_from_db()
    assert article.state == Article.State.IN_REVIEW
    assert "could not send 1 review e-mail" in caplog.text


def test_a_question_with_a_line_break_still_makes_a_one_line_subject(
    editor, medical_reviewer, with_email, django_capture_on_commit_callbacks
):
    from monographs import notifications

    article = Article.objects.create(question="Two\nlines?", slug="two-lines", answer="A.")
    with django_capture_on_commit_callbacks(execute=True):
        notifications.submitted(article, 1, editor)
    assert mail.outbox[0].subject == "Waiting for your review: Two lines?"


# Two people per answer


def test_a_reviewer_cannot_sign_off_text_they_wrote_but_a_second_reviewer_can(
    editor_client, reviewer_client, second_reviewer, medical_reviewer
):
    article = add_answer(editor_client, answer="Editor's text.")
    edit(reviewer_client, article, answer="Editor's text, improved by the reviewer.")
    submit(article)
    page = reviewer_client.get(f"{ADMIN}{article.pk}/sign-off/").content.decode()
    assert "You wrote part of revision 2" in page and 'name="sign_off"' not in page
    assert "You wrote part of revision 2" in post_sign_off(reviewer_client, article).content.decode()
    assert not Article.objects.get(pk=article.pk).is_live
    # Their own list of what waits for them leaves it out; the second reviewer's has it.
    assert "Is it safe with food?" not in reviewer_client.get(f"{ADMIN}?review=mine").content.decode()
    assert "Is it safe with food?" in second_reviewer.get(f"{ADMIN}?review=mine").content.decode()
    assert "the answer is live" in post_sign_off(second_reviewer, article).content.decode()
    assert not SignOff.objects.get().same_person


def test_a_one_person_team_may_sign_off_its_own_text_and_the_history_says_so(editor_client, reviewer_client, settings):
    settings.DRUGREF_SAME_PERSON_SIGN_OFF = True
    article = add_answer(reviewer_client, answer="Written and signed by one person.")
    submit(article)
    assert "the answer is live" in post_sign_off(reviewer_client, article).content.decode()
    assert SignOff.objects.get().same_person
    history = visible_text(editor_client.get(f"{ADMIN}{article.pk}/revisions/").content.decode())
    assert "Signed off by a person who also wrote it" in history


def test_only_writing_since_the_last_sign_off_counts(editor_client, reviewer_client, second_reviewer):
    article = add_answer(reviewer_client, answer="The reviewer wrote the first version.")
    submit(article)
    post_sign_off(second_reviewer, article)
    draft = editorial.start_draft(Article.objects.get(pk=article.pk))
    edit(editor_client, draft, answer="The editor's second version.")
    submit(article)
    assert "the answer is live" in post_sign_off(reviewer_client, article).content.decode()


# One audit trail


def test_withdrawal_needs_a_reason_and_is_in_the_history(editor_client, reviewer_client, reader):
    article = publish_new(editor_client, reviewer_client)
    page = reviewer_client.get(change_url(article)).content.decode()
    assert "Withdraw from the site…" in page
    asked = reviewer_client.post(ADMIN, {"action": "withdraw", "_selected_action": [article.pk], "confirm": "yes"})
    assert "Give the reason for withdrawing" in asked.content.decode()
    assert Article.objects.get(pk=article.pk).is_live
    reviewer_client.post(
        ADMIN, {"action": "withdraw", "_selected_action": [article.pk], "confirm": "yes", "reason": "Label changed."}
    )
    assert reader.get(article.get_absolute_url()).status_code == 410
    event = ArticleEvent.objects.get(kind=ArticleEvent.Kind.WITHDRAWN)
    assert (event.note, event.created_by.username) == ("Label changed.", "rita")
    history = visible_text(editor_client.get(f"{ADMIN}{article.pk}/revisions/").content.decode())
    assert "Withdrawn: revision 1" in history and "Label changed." in history


def test_djangos_history_link_leads_to_the_answers_history(editor_client):
    article = add_answer(editor_client)
    response = editor_client.get(f"{ADMIN}{article.pk}/history/")
    assert response.status_code == 302 and response.url == f"{ADMIN}{article.pk}/revisions/"


def test_a_published_answer_cannot_be_deleted_but_a_never_published_draft_can(
    admin_client, editor_client, reviewer_client
):
    live = publish_new(editor_client, reviewer_client, question="Live?")
    draft = add_answer(editor_client, question="Never published?")
    assert admin_client.get(f"{ADMIN}{live.pk}/delete/").status_code == 403
    assert admin_client.post(f"{ADMIN}{live.pk}/delete/", {"post": "yes"}).status_code == 403
    response = admin_client.post(
        ADMIN, {"action": "delete_selected", "_selected_action": [live.pk, draft.pk], "post": "yes"}, follow=True
    )
    assert "Not deleted, because readers have seen them (withdraw them instead): “Live?”" in response.content.decode()
    assert Article.objects.filter(pk=live.pk).exists()
    assert not Article.objects.filter(pk=draft.pk).exists()
    assert LogEntry.objects.filter(action_flag=DELETION, object_repr="Never published?").exists()
    withdrawn = publish_new(editor_client, reviewer_client, question="Withdrawn?")
    editorial.withdraw(withdrawn, User.objects.get(username="rita"), "Old.")
    assert admin_client.get(f"{ADMIN}{withdrawn.pk}/delete/").status_code == 403


# Addresses


def renamed(editor_client, reviewer_client):
    old = publish_new(editor_client, reviewer_client, question="Old question?")
    draft = editorial.start_draft(old)
    edit(editor_client, draft, slug="new-address")
    sign_off(reviewer_client, Article.objects.get(pk=old.pk))
    assert ArticleRedirect.objects.filter(old_slug="old-question", article=old).exists()
    return old


def test_an_old_address_is_reserved_until_released(editor_client, reviewer_client, reader):
    old = renamed(editor_client, reviewer_client)
    page = editor_client.get(f"{ADMIN}add/").content.decode()
    data = form_values(page, "article_form") | {
        "question": ["Another?"], "slug": ["old-question"], "answer": ["Other."]
    }  # fmt: skip
    refused = editor_client.post(f"{ADMIN}add/", data).content.decode()
    assert "“old-question” is an old address of “Old question?”" in refused
    assert 'type="checkbox" name="release_old_address"' in refused
    assert not Article.objects.filter(question="Another?").exists()

    released = editor_client.post(f"{ADMIN}add/", data | {"release_old_address": ["on"]})
    assert released.status_code == 302
    assert not ArticleRedirect.objects.filter(old_slug="old-question").exists()
    event = ArticleEvent.objects.get(article=old, kind=ArticleEvent.Kind.ADDRESS_RELEASED)
    assert "released for “Another?”" in event.note


def test_an_answer_may_take_back_its_own_old_address(editor_client, reviewer_client):
    old = renamed(editor_client, reviewer_client)
    draft = editorial.start_draft(Article.objects.get(pk=old.pk))
    assert edit(editor_client, draft, slug="old-question").status_code == 302


def test_an_import_may_not_take_an_old_address(editor_client, reviewer_client, tmp_path):
    renamed(editor_client, reviewer_client)
    path = jsonl(tmp_path, {"question": "Imported?", "slug": "old-question", "answer": "A."})
    assert "is an old address of another answer (“Old question?”)" in problems_of(path)


def test_the_redirect_keeps_the_query_string(editor_client, reviewer_client, reader):
    renamed(editor_client, reviewer_client)
    response = reader.get("/medical-answers/old-question/?utm_source=x")
    assert response.status_code == 301
    assert response["Location"] == "/medical-answers/new-address/?utm_source=x"


# The small things


def test_a_signed_off_drafts_old_address_leads_to_the_answer(editor_client, reviewer_client):
    article = publish_new(editor_client, reviewer_client)
    draft = editorial.start_draft(article)
    edit(editor_client, draft, answer="Changed.")
    sign_off(reviewer_client, article)
    response = editor_client.get(change_url(draft), follow=True)
    assert response.redirect_chain[-1][0] == change_url(article)
    assert "That draft was signed off" in response.content.decode()


def test_the_answer_list_counts_answers_and_says_answers(editor_client, reviewer_client):
    article = publish_new(editor_client, reviewer_client)
    editorial.start_draft(article)  # a pending draft is not a second answer
    add_answer(editor_client, question="Another?")
    page = visible_text(editor_client.get(ADMIN).content.decode())
    assert "2 answers" in page and "Articles" not in page and "article" not in page.lower().replace("articles", "")


def test_the_sanitiser_says_what_it_removed(editor_client):
    page = editor_client.get(f"{ADMIN}add/").content.decode()
    data = form_values(page, "article_form") | {
        "question": ["Tags?"], "slug": ["tags"], "answer": ['Hi <script>x()</script><img src="a.png"> <sup>1</sup>']
    }  # fmt: skip
    response = editor_client.post(f"{ADMIN}add/", data, follow=True)
    text = visible_text(response.content.decode())
    assert "readers will not see everything you wrote: the answer may not contain <script>, <img>" in text


def test_a_refused_admin_page_is_an_admin_page_with_a_way_back(editor_client):
    article = add_answer(editor_client)
    response = editor_client.get(f"{ADMIN}{article.pk}/sign-off/")
    assert response.status_code == 403
    html = response.content.decode()
    assert 'id="user-tools"' in html and "Back to the admin home page" in html


def test_an_answer_is_not_offered_as_its_own_related_question(editor_client, make_article):
    article = make_article(question="Self link candidate?", state=Article.State.DRAFT)
    other = make_article(question="Other link candidate?", state=Article.State.DRAFT)
    params = {"term": "candidate", "app_label": "monographs", "model_name": "relatedquestion", "field_name": "target"}
    found = editor_client.get(
        "/admin/autocomplete/", params, headers={"referer": f"http://testserver{change_url(article)}"}
    ).json()
    assert [int(r["id"]) for r in found["results"]] == [other.pk]
