"""The answer list: fixed queries at any size, search, bulk actions that say what they did."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from monographs.models import Article

from .support import visible_text

pytestmark = pytest.mark.django_db

ADMIN = "/admin/monographs/article/"


def list_queries(client, make_article, drug, condition, count):
    for _ in range(count):
        article = make_article()
        article.drugs.add(drug)
        article.conditions.add(condition)
    draft = Article.objects.create(question="Pending?", slug="pending", answer="x", draft_of=article)
    assert draft.pk
    with CaptureQueriesContext(connection) as captured:
        response = client.get(ADMIN)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_list_makes_the_same_queries_for_3_and_30_answers(admin_client, make_article, drug, condition):
    few = list_queries(admin_client, make_article, drug, condition, 3)
    Article.objects.all().delete()
    many = list_queries(admin_client, make_article, drug, condition, 30)
    assert few == many
    assert many <= 12


def test_the_list_shows_answers_not_pending_drafts(admin_client, make_article):
    article = make_article(question="The live one?")
    Article.objects.create(question="Its pending draft?", slug=article.slug, answer="x", draft_of=article)
    html = visible_text(admin_client.get(ADMIN).content.decode())
    assert "The live one?" in html
    assert "Its pending draft?" not in html
    assert "Published · changes draft" in html


def test_search_covers_question_and_answer_text(admin_client, make_article):
    make_article(question="About food?", answer="Take it with water.")
    make_article(question="About sleep?", answer="Nothing here.")
    html = admin_client.get(ADMIN + "?q=water").content.decode()
    assert "About food?" in html and "About sleep?" not in html


def test_autocomplete_offers_answers_not_pending_drafts(admin_client, make_article):
    article = make_article(question="Findable answer?")
    Article.objects.create(question="Findable draft?", slug=article.slug, answer="x", draft_of=article)
    response = admin_client.get(
        "/admin/autocomplete/",
        {"term": "Findable", "app_label": "monographs", "model_name": "relatedquestion", "field_name": "target"},
    )
    assert [item["text"] for item in response.json()["results"]] == ["Findable answer?"]


def test_bulk_submit_reports_how_many_changed_and_what_was_refused(editor_client, make_article):
    drafts = [make_article(state=Article.State.DRAFT) for _ in range(2)]
    live = make_article(question="Already live?")
    response = editor_client.post(
        ADMIN,
        {"action": "submit_for_review", "_selected_action": [a.pk for a in [*drafts, live]]},
        follow=True,
    )
    html = response.content.decode()
    assert "2 answers submitted for review." in html
    assert "Not done: “Already live?” has no draft to submit" in html
    assert Article.objects.filter(state=Article.State.IN_REVIEW).count() == 2


def test_bulk_sign_off_shows_each_answer_and_signs_only_those_ticked(reviewer_client, make_article):
    """Seen: ticking answers and choosing the action published placeholders nobody had read."""
    from monographs import editorial

    def waiting(question, answer):
        article = make_article(state=Article.State.IN_REVIEW, question=question, answer=answer)
        return article, editorial.record_revision(article)

    first, first_revision = waiting("Can it be taken with food?", "Yes, with or without food.")
    second, _ = waiting("Can it be crushed?", "No: swallow it whole.")
    stub, stub_revision = waiting("Is it safe in pregnancy?", "Draft answer for: Is it safe in pregnancy?")
    live = make_article(question="Live already?")
    editorial.publish(live, editorial.record_revision(live), reviewer=live.reviewer, reviewed_on=live.reviewed_on)
    chosen = {"action": "review_and_sign_off", "_selected_action": [first.pk, second.pk, stub.pk, live.pk]}

    page = reviewer_client.post(ADMIN, chosen)
    text = visible_text(page.content.decode())
    assert page.status_code == 200 and not Article.objects.filter(pk__in=[first.pk, second.pk, stub.pk]).live()
    for words in (
        "Yes, with or without food.",
        "No: swallow it whole.",
        "Medically reviewed by Rita Reviewer, PharmD.",
    ):
        assert words in text
    assert "Its answer still holds placeholder text (“Draft answer for”)" in text
    assert f"Revision {editorial.latest_revision(live).number} is already signed off" in text
    assert f'value="{stub.pk}:{stub_revision.number}"' not in page.content.decode()  # no tick to give

    nothing = reviewer_client.post(ADMIN, chosen | {"confirm": "yes"})
    assert "none was ticked, so nothing was signed off" in visible_text(nothing.content.decode())

    ticks = [f"{first.pk}:{first_revision.number}", f"{stub.pk}:{stub_revision.number}"]  # the stub's forged
    done = reviewer_client.post(ADMIN, chosen | {"confirm": "yes", "sign": ticks}, follow=True)
    text = visible_text(done.content.decode())
    assert "1 answer signed off and published." in text
    assert "Not signed off: “Is it safe in pregnancy?”" in text
    assert list(Article.objects.live().filter(pk__in=[first.pk, second.pk, stub.pk])) == [first]
    first.refresh_from_db()
    assert str(first.reviewer) == "Rita Reviewer, PharmD"


def test_bulk_sign_off_signs_exactly_the_revision_shown(reviewer_client, make_article):
    from monographs import editorial

    article = make_article(state=Article.State.IN_REVIEW, question="Shown?", answer="As shown.")
    shown = editorial.record_revision(article)
    editorial.record_revision(article, content={**shown.content, "answer": "Changed after it was shown."})
    response = reviewer_client.post(
        ADMIN,
        {
            "action": "review_and_sign_off",
            "_selected_action": [article.pk],
            "confirm": "yes",
            "sign": [f"{article.pk}:{shown.number}", "junk", "1:x"],
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "The answer changed after you opened it" in visible_text(response.content.decode())
    assert not Article.objects.live().filter(pk=article.pk).exists()
