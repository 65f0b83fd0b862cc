"""The editorial life of an answer, through the admin as pharmacists use it."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from monographs import editorial
from monographs.models import Article, ArticleRedirect, Revision, SignOff

from .support import form_values, visible_text

pytestmark = pytest.mark.django_db

ADMIN = "/admin/monographs/article/"


def change_url(article):
    return f"{ADMIN}{article.pk}/change/"


def edit(client, article, **changes):
    """Open an answer's change form, change some fields, and save it, as a browser would."""
    page = client.get(change_url(article))
    assert page.status_code == 200
    data = form_values(page.content.decode(), "article_form")
    for name, value in changes.items():
        data[name] = value if isinstance(value, list) else [value]
    return client.post(change_url(article), data)


def add_answer(client, question="Is it safe with food?", answer="Yes, it is.", **extra):
    page = client.get(f"{ADMIN}add/")
    data = form_values(page.content.decode(), "article_form")
    data |= {"question": [question], "slug": [question.lower().replace(" ", "-").strip("?")], "answer": [answer]}
    # Every answer a reviewer signs off cites a source (settings.DRUGREF_SIGN_OFF_NEEDS_SOURCE).
    data |= {"sources-0-title": ["Prescribing information"]}
    data |= {name: value if isinstance(value, list) else [value] for name, value in extra.items()}
    response = client.post(f"{ADMIN}add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return Article.objects.canonical().get(question=question)


def submit(article):
    """Submit an answer's draft for review as its last editor would (the Submit button)."""
    latest = article.revisions.order_by("-number").first()
    if editorial.working_copy(article).state == Article.State.DRAFT:
        editorial.submit_for_review(article, latest.created_by)


def sign_off(client, article, note=""):
    """Submit the answer if its editor has not yet, then sign off its latest revision through the sign-off page."""
    submit(article)
    latest = article.revisions.order_by("-number").first()
    return client.post(f"{ADMIN}{article.pk}/sign-off/", {"revision": latest.number, "change_note": note})


def publish_new(editor_client, reviewer_client, **fields):
    article = add_answer(editor_client, **fields)
    assert sign_off(reviewer_client, article).status_code == 302
    article.refresh_from_db()
    assert article.is_live
    return article


# Roles


def test_groups_give_editors_and_reviewers_their_permissions(editor, medical_reviewer):
    assert editor.has_perm("monographs.change_article")
    assert not editor.has_perm("monographs.sign_off_article")
    assert not editor.has_perm("monographs.withdraw_article")
    assert medical_reviewer.has_perm("monographs.sign_off_article")
    assert medical_reviewer.has_perm("monographs.withdraw_article")


# States and sign-off


def test_editor_writes_submits_and_reviewer_publishes_with_their_byline(editor_client, reviewer_client, reader):
    article = add_answer(editor_client)
    assert article.state == Article.State.DRAFT
    assert article.revisions.count() == 1
    assert reader.get(article.get_absolute_url()).status_code == 404

    assert editor_client.post(f"{ADMIN}{article.pk}/submit/").status_code == 302
    article.refresh_from_db()
    assert article.state == Article.State.IN_REVIEW

    assert sign_off(reviewer_client, article, note="First version").status_code == 302
    article.refresh_from_db()
    assert article.state == Article.State.PUBLISHED
    signed = SignOff.objects.get(article=article)
    assert signed.revision == article.revisions.get(number=1)
    assert (str(article.reviewer), article.reviewed_on) == ("Rita Reviewer, PharmD", timezone.localdate())
    text = visible_text(reader.get(article.get_absolute_url()).content.decode())
    assert f"Medically reviewed by Rita Reviewer, PharmD. Last updated on {timezone.localdate():%B %-d, %Y}." in text


def test_an_editor_cannot_sign_off_by_page_by_crafted_post_or_by_bulk_action(editor_client):
    article = add_answer(editor_client)
    assert editor_client.get(f"{ADMIN}{article.pk}/sign-off/").status_code == 403
    assert sign_off(editor_client, article).status_code == 403
    response = editor_client.post(
        ADMIN,
        {
            "action": "review_and_sign_off",
            "_selected_action": [article.pk],
            "confirm": "yes",
            "sign": [f"{article.pk}:1"],
        },
    )
    assert response.status_code in (200, 302)
    article.refresh_from_db()
    assert article.state == Article.State.IN_REVIEW  # submitted (by sign_off above), never published
    assert not SignOff.objects.exists()


def test_state_reviewer_and_date_cannot_be_typed_into_the_form(editor_client, medical_reviewer):
    article = add_answer(editor_client)
    edit(
        editor_client,
        article,
        state="published",
        reviewer=str(medical_reviewer.reviewer.pk),
        reviewed_on="2020-01-01",
        answer="Changed.",
    )
    article.refresh_from_db()
    assert (article.state, article.reviewer, article.reviewed_on) == (Article.State.DRAFT, None, None)
    assert article.answer == "Changed."


def test_editing_a_live_answer_makes_a_pending_draft_readers_do_not_see(editor_client, reviewer_client, reader):
    article = publish_new(editor_client, reviewer_client, answer="The signed-off text.")
    assert reader.get(change_url(article)).status_code == 302  # readers: to the login page
    assert "Edit as a new draft" in editor_client.get(change_url(article)).content.decode()

    response = editor_client.post(f"{ADMIN}{article.pk}/start-draft/")
    draft = article.pending_draft
    assert response.url == change_url(draft)
    assert edit(editor_client, draft, answer="The new, unreviewed text.").status_code == 302

    page = visible_text(reader.get(article.get_absolute_url()).content.decode())
    assert "The signed-off text." in page
    assert "unreviewed" not in page
    assert "unreviewed" not in reader.get("/").content.decode()
    assert list(Article.objects.live()) == [article]

    assert sign_off(reviewer_client, article).status_code == 302
    page = visible_text(reader.get(article.get_absolute_url()).content.decode())
    assert "The new, unreviewed text." in page
    assert not Article.objects.filter(draft_of=article).exists()
    assert article.sign_offs.count() == 2


def test_a_live_answer_cannot_be_changed_directly(editor_client, reviewer_client):
    article = publish_new(editor_client, reviewer_client, answer="Signed.")
    response = editor_client.post(change_url(article), {"answer": "Sneaky", "question": "x", "slug": "x"})
    # A post to the live answer is a save to a draft of it, checked like any save (here: no version seen).
    assert response.status_code == 200 and "after you opened it" in response.content.decode()
    article.refresh_from_db()
    assert article.answer == "Signed." and article.revisions.count() == 1


def test_a_sign_off_approves_exactly_the_revision_the_reviewer_read(editor_client, reviewer_client):
    article = add_answer(editor_client, answer="Version one.")
    read = article.revisions.get().number
    edit(editor_client, article, answer="Version two, saved while the reviewer was reading.")
    response = reviewer_client.post(f"{ADMIN}{article.pk}/sign-off/", {"revision": read}, follow=True)
    assert "The answer changed after you opened it" in response.content.decode()
    article.refresh_from_db()
    assert not article.is_live


def test_a_reviewer_without_a_profile_cannot_sign(editor_client, db):
    from django.contrib.auth.models import Group, User
    from django.test import Client

    user = User.objects.create_user("anon", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Medical reviewers"))
    reviewer = Client()
    reviewer.force_login(user)
    article = add_answer(editor_client)
    response = sign_off(reviewer, article)
    assert response.status_code == 302
    article.refresh_from_db()
    assert not article.is_live


def test_imported_answers_are_signed_off_by_their_reviewer_and_date(db):
    from django.core.management import call_command

    from .support import SEED

    call_command("import_articles", str(SEED), verbosity=0)
    article = Article.objects.get()
    signed = SignOff.objects.get()
    assert (str(signed.reviewer), signed.reviewed_on, signed.signed_by) == (
        "Judith Stewart, BPharm",
        date(2024, 3, 12),
        None,
    )
    assert signed.revision.source == Revision.Source.IMPORT
    assert signed.revision.content["answer"] == article.answer


# History


def test_every_save_is_a_revision_with_author_and_note(editor_client, editor):
    article = add_answer(editor_client)
    edit(editor_client, article, answer="Second.", revision_note="Shorter answer")
    revisions = list(article.revisions.order_by("number"))
    assert [r.number for r in revisions] == [1, 2]
    assert (revisions[1].created_by, revisions[1].note, revisions[1].content["answer"]) == (
        editor,
        "Shorter answer",
        "Second.",
    )


def test_history_lists_revisions_and_compares_two_side_by_side(editor_client, reviewer_client):
    article = add_answer(editor_client, answer="Take it <with> food.")
    edit(editor_client, article, answer="Take it without food.", question="Is it safe without food?")
    history = editor_client.get(f"{ADMIN}{article.pk}/revisions/").content.decode()
    assert "Edited in the admin: revision 2" in history and "Compare" in history
    diff = editor_client.get(f"{ADMIN}{article.pk}/revisions/compare/?a=1&b=2").content.decode()
    assert "<del>&lt;with&gt; </del><ins>without </ins>" in diff and "<with>" not in diff
    assert "<del>with </del><ins>without </ins>" in diff  # the question, word by word
    assert "Unchanged: address (slug), summary, sources, review interval, drugs" in diff
    same = editor_client.get(f"{ADMIN}{article.pk}/revisions/compare/?a=2&b=2")
    assert same.status_code == 200
    assert (
        "Revision 2" in same.content.decode()
        and "compared with itself: there is no difference" in same.content.decode()
    )


def test_restoring_a_revision_of_a_live_answer_makes_a_draft_needing_sign_off(editor_client, reviewer_client, reader):
    article = publish_new(editor_client, reviewer_client, answer="First text.")
    editor_client.post(f"{ADMIN}{article.pk}/start-draft/")
    edit(editor_client, article.pending_draft, answer="Second text.")
    sign_off(reviewer_client, article)
    assert "Second text." in reader.get(article.get_absolute_url()).content.decode()

    response = editor_client.post(f"{ADMIN}{article.pk}/revisions/1/restore/")
    assert response.status_code == 302
    article.refresh_from_db()
    draft = article.pending_draft
    assert draft.answer == "First text."
    assert draft.state == Article.State.DRAFT
    assert article.revisions.order_by("-number").first().source == Revision.Source.RESTORE
    assert "Second text." in reader.get(article.get_absolute_url()).content.decode()


def test_a_withdrawn_answer_is_restored_as_a_draft(editor_client, reviewer_client):
    article = publish_new(editor_client, reviewer_client)
    reviewer_client.post(
        ADMIN, {"action": "withdraw", "_selected_action": [article.pk], "confirm": "yes", "reason": "Superseded"}
    )
    article.refresh_from_db()
    assert article.state == Article.State.WITHDRAWN
    editor_client.post(f"{ADMIN}{article.pk}/revisions/1/restore/")
    article.refresh_from_db()
    # Readers keep getting its 410 until the restored draft is signed off.
    assert (article.state, article.pending_draft.state) == (Article.State.WITHDRAWN, Article.State.DRAFT)


# No lost edits


def two_people(editor, medical_reviewer, article):
    """Two people open the same answer's form; return their clients and the forms as each browser holds them."""
    from django.test import Client

    first, second = Client(), Client()
    first.force_login(editor)
    second.force_login(medical_reviewer)
    forms = [form_values(c.get(change_url(article)).content.decode(), "article_form") for c in (first, second)]
    return first, second, forms


def test_a_stale_save_is_refused_and_keeps_what_was_typed(editor, medical_reviewer, editor_client):
    article = add_answer(editor_client, answer="Original.")
    first, second, (first_form, second_form) = two_people(editor, medical_reviewer, article)

    assert first.post(change_url(article), first_form | {"answer": ["First person's words."]}).status_code == 302
    response = second.post(change_url(article), second_form | {"answer": ["Second person's words."]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Eddie Editor saved this answer at" in html
    assert "Please correct the error" not in html and 'class="errornote"' not in html  # not the editor's mistake
    assert "?a=1&amp;b=2" in html  # a link to what the other person changed
    assert "Answer: you both changed it" in html
    assert "Second person&#x27;s words." in html
    article.refresh_from_db()
    assert article.answer == "First person's words."
    assert article.revisions.count() == 2

    # Saving the re-shown form again is a deliberate choice, and it goes through with the version chosen.
    again = form_values(html, "article_form")
    assert again["conflict_answer"] == ["yours"]
    assert second.post(change_url(article), again).status_code == 302
    article.refresh_from_db()
    assert article.answer == "Second person's words."
    assert [r.number for r in article.revisions.order_by("number")] == [1, 2, 3]


def test_an_edit_conflict_keeps_their_fields_and_yours(editor, medical_reviewer, editor_client):
    article = add_answer(editor_client, answer="Original.", summary="Old summary.")
    first, second, (first_form, second_form) = two_people(editor, medical_reviewer, article)
    assert first.post(change_url(article), first_form | {"summary": ["Their summary."]}).status_code == 302

    html = second.post(change_url(article), second_form | {"answer": ["My answer."]}).content.decode()
    assert "their changes to summary" in html and "your changes to answer" in html
    again = form_values(html, "article_form")
    assert (again["summary"], again["answer"]) == (["Their summary."], ["My answer."])
    assert second.post(change_url(article), again).status_code == 302
    article.refresh_from_db()
    assert (article.summary, article.answer) == ("Their summary.", "My answer.")


def test_choosing_theirs_where_both_changed(editor, medical_reviewer, editor_client):
    article = add_answer(editor_client, question="Original question?")
    first, second, (first_form, second_form) = two_people(editor, medical_reviewer, article)
    assert first.post(change_url(article), first_form | {"question": ["Their question?"]}).status_code == 302
    html = second.post(change_url(article), second_form | {"question": ["My question?"]}).content.decode()
    assert "Question: you both changed it" in html and "Their question?" in html
    again = form_values(html, "article_form") | {"conflict_question": ["theirs"]}
    assert second.post(change_url(article), again).status_code == 302
    article.refresh_from_db()
    assert article.question == "Their question?"


@pytest.mark.parametrize("refused", ["stale version", "taken address"])
def test_a_refused_form_is_shown_again_in_a_fresh_worker(editor_client, refused):
    """A form shown again runs queries (content types, choices): nothing may have spoilt the transaction first."""
    from django.contrib.contenttypes.models import ContentType

    article = add_answer(editor_client)
    if refused == "stale version":
        url, data = (
            change_url(article),
            form_values(editor_client.get(change_url(article)).content.decode(), "article_form"),
        )
        data["base_version"] = ["0"]
    else:
        url, data = f"{ADMIN}add/", form_values(editor_client.get(f"{ADMIN}add/").content.decode(), "article_form")
        data |= {"question": ["Another question?"], "slug": [article.slug], "answer": ["Text."]}
    ContentType.objects.clear_cache()  # as in a worker that has served no admin page yet

    response = editor_client.post(url, data)

    assert response.status_code == 200
    assert ("saved this answer at" if refused == "stale version" else "errornote") in response.content.decode()
    article.refresh_from_db()
    assert (article.version, article.revisions.count()) == (1, 1)


def test_a_refused_inline_does_not_use_up_a_revision_number(editor_client):
    article = add_answer(editor_client)
    data = form_values(editor_client.get(change_url(article)).content.decode(), "article_form")
    data |= {
        "relatedquestion_links-TOTAL_FORMS": ["1"],
        "relatedquestion_links-0-target": [str(article.pk)],
        "relatedquestion_links-0-position": ["0"],
    }
    response = editor_client.post(change_url(article), data)
    assert "An answer cannot link to itself." in response.content.decode()
    article.refresh_from_db()
    assert article.version == 1
    assert edit(editor_client, article, answer="Fine now.").status_code == 302


def test_duplicate_links_are_refused(editor_client, make_article):
    article = add_answer(editor_client)
    other = make_article()
    data = form_values(editor_client.get(change_url(article)).content.decode(), "article_form")
    data |= {
        "readnext_links-TOTAL_FORMS": ["2"],
        "readnext_links-0-target": [str(other.pk)],
        "readnext_links-0-position": ["0"],
        "readnext_links-1-target": [str(other.pk)],
        "readnext_links-1-position": ["1"],
    }
    response = editor_client.post(change_url(article), data)
    assert "is already listed" in response.content.decode()


# Links and addresses


def test_links_are_ordered_by_position_and_saved_with_the_revision(editor_client, make_article):
    first, second = make_article(question="First?"), make_article(question="Second?")
    article = add_answer(editor_client)
    data = form_values(editor_client.get(change_url(article)).content.decode(), "article_form")
    data |= {
        "relatedquestion_links-TOTAL_FORMS": ["2"],
        "relatedquestion_links-0-target": [str(second.pk)],
        "relatedquestion_links-0-position": ["2"],
        "relatedquestion_links-1-target": [str(first.pk)],
        "relatedquestion_links-1-position": ["1"],
    }
    assert editor_client.post(change_url(article), data).status_code == 302
    assert article.revisions.order_by("-number").first().content["related_questions"] == [first.pk, second.pk]


def test_the_admin_page_lists_published_answers_linking_here(editor_client, reviewer_client, make_article):
    article = publish_new(editor_client, reviewer_client)
    linker = make_article(question="Who links here?")
    linker.relatedquestion_links.create(target=article)
    page = reviewer_client.get(change_url(article)).content.decode()
    assert "Who links here?" in page


def test_withdrawing_a_linked_answer_asks_first_and_names_the_links(reviewer_client, editor_client, make_article):
    article = publish_new(editor_client, reviewer_client)
    make_article(question="Who links here?").readnext_links.create(target=article)
    response = reviewer_client.post(ADMIN, {"action": "withdraw", "_selected_action": [article.pk]})
    html = response.content.decode()
    assert "Withdraw answers from the site?" in html and "Who links here?" in html
    article.refresh_from_db()
    assert article.is_live
    reviewer_client.post(
        ADMIN, {"action": "withdraw", "_selected_action": [article.pk], "confirm": "yes", "reason": "Superseded"}
    )
    article.refresh_from_db()
    assert article.state == Article.State.WITHDRAWN


def test_an_editor_cannot_withdraw(editor_client, reviewer_client):
    article = publish_new(editor_client, reviewer_client)
    editor_client.post(
        ADMIN, {"action": "withdraw", "_selected_action": [article.pk], "confirm": "yes", "reason": "Superseded"}
    )
    article.refresh_from_db()
    assert article.is_live
    with pytest.raises(editorial.PermissionDenied):
        editorial.withdraw(article, article.revisions.first().created_by, "Superseded")


def test_a_new_slug_keeps_the_old_address_working(editor_client, reviewer_client, reader):
    article = publish_new(editor_client, reviewer_client)
    old_url = article.get_absolute_url()
    editor_client.post(f"{ADMIN}{article.pk}/start-draft/")
    edit(editor_client, article.pending_draft, slug="a-clearer-address")
    sign_off(reviewer_client, article)
    article.refresh_from_db()
    response = reader.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == "/medical-answers/a-clearer-address/"
    assert ArticleRedirect.objects.get().old_slug == old_url.split("/")[2]
    # A bookmarked or campaign link keeps its parameters.
    response = reader.get(old_url, {"utm_source": "newsletter", "ref": "a&b"})
    assert response["Location"] == "/medical-answers/a-clearer-address/?utm_source=newsletter&ref=a%26b"


def test_change_notes_are_listed_under_the_answer_newest_first(editor_client, reviewer_client, reader):
    article = add_answer(editor_client)
    sign_off(reviewer_client, article, note="First version")
    editor_client.post(f"{ADMIN}{article.pk}/start-draft/")
    article.refresh_from_db()
    edit(editor_client, article.pending_draft, answer="Now with more.")
    sign_off(reviewer_client, article, note="Added the paediatric indication")
    text = visible_text(reader.get(article.get_absolute_url()).content.decode())
    assert text.index("Added the paediatric indication") < text.index("First version")


# Preview


def test_preview_shows_the_draft_to_staff_with_permission_only(editor_client, reviewer_client, reader, db):
    from django.contrib.auth.models import User

    article = publish_new(editor_client, reviewer_client, answer="Live words.")
    editor_client.post(f"{ADMIN}{article.pk}/start-draft/")
    edit(editor_client, article.pending_draft, answer="Draft words.")
    response = editor_client.get(f"{ADMIN}{article.pk}/preview/")
    html = response.content.decode()
    assert "Draft words." in html and "Live words." not in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]

    plain_staff = User.objects.create_user("staff", password="pw", is_staff=True)
    reader.force_login(plain_staff)
    assert reader.get(f"{ADMIN}{article.pk}/preview/").status_code == 403


def test_view_on_site_goes_to_the_preview_until_live(editor_client, reviewer_client):
    article = add_answer(editor_client)
    assert f"{ADMIN}{article.pk}/preview/" in editor_client.get(change_url(article)).content.decode()
    sign_off(reviewer_client, article)
    assert article.get_absolute_url() in reviewer_client.get(change_url(article)).content.decode()


# Due for re-review


def test_review_due_states(make_article, settings):
    today = date(2025, 6, 1)
    fresh = make_article(reviewed_on=today - timedelta(days=10))
    soon = make_article(reviewed_on=today - timedelta(days=350))
    overdue = make_article(reviewed_on=today - timedelta(days=400))
    quarterly = make_article(reviewed_on=today - timedelta(days=100), review_interval_days=91)
    assert set(Article.objects.overdue(today)) == {overdue, quarterly}
    assert set(Article.objects.due_soon(today)) == {soon}
    assert [a.review_status(today) for a in (fresh, soon, overdue, quarterly)] == ["", "due soon", "overdue", "overdue"]
    settings.DRUGREF_REVIEW_INTERVAL_DAYS = 30
    assert fresh.review_status(today) == "due soon"


def test_editors_may_edit_the_site_pages(editor_client):
    response = editor_client.get("/admin/monographs/page/")
    assert response.status_code == 200
    assert "Editorial policy" in response.content.decode()


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("Draft answer for: Is it a stub?", "placeholder text (“Draft answer for”)"),
        ("It works by TODO: check the label.", "placeholder text (“TODO”)"),
        ("Lorem ipsum dolor sit amet.", "placeholder text (“Lorem ipsum”)"),
    ],
)
def test_a_placeholder_answer_cannot_be_signed_off(editor_client, reviewer_client, answer, reason):
    article = add_answer(editor_client, question="Is it a stub?", answer=answer)
    assert sign_off(reviewer_client, article).status_code == 302  # back to the page, with the reason
    article.refresh_from_db()
    assert not article.is_live and not SignOff.objects.exists()
    page = reviewer_client.get(f"{ADMIN}{article.pk}/sign-off/").content.decode()
    assert reason in page and 'name="sign_off"' not in page


def test_an_empty_answer_is_refused_by_the_same_rule():
    assert "no answer text" in editorial.placeholder_refusal({"answer": " \n "})
    assert editorial.placeholder_refusal({"answer": "Take it with food (as the label says)."}) == ""
