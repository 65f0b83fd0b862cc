"""Review dates readers can see: when an answer's next medical review is due, and plainly when it is overdue.

The clock is moved on by moving an answer's last review into the past: the page
then reads exactly as it would once that much time had passed.
"""

import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from django.utils.http import parse_http_date

from monographs.models import Article

from .support import visible_text
from .test_editorial import publish_new
from .test_seo import structured_data

pytestmark = pytest.mark.django_db

YEAR = 365  # settings.DRUGREF_REVIEW_INTERVAL_DAYS, the default


@pytest.fixture(autouse=True)
def front_cache_lifetimes(settings):
    """Shared caches keep pages a day, as behind Varnish with tag purges: a review falling due must cut that short."""
    settings.DRUGREF_SHARED_CACHE_SECONDS = 86400
    settings.DRUGREF_REVIEW_INTERVAL_DAYS = YEAR


@pytest.fixture
def answer(editor_client, reviewer_client):
    return publish_new(editor_client, reviewer_client, question="Can it be taken with food?", answer="Yes.")


def _reviewed(article, days_ago):
    """Make the answer's last review `days_ago` days old; return the day its next review is due."""
    reviewed_on = timezone.localdate() - timedelta(days=days_ago)
    Article.objects.filter(pk=article.pk).update(reviewed_on=reviewed_on)
    return reviewed_on + timedelta(days=YEAR)


def _long(day) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def test_a_current_answer_says_when_its_next_review_is_due(reader, answer):
    due = _reviewed(answer, days_ago=10)
    html = reader.get(answer.get_absolute_url()).content.decode()
    text = visible_text(html)
    assert f"Next medical review due by {_long(due)}." in text
    assert f"Next review Due by {_long(due)}" in text  # At a glance
    assert "overdue" not in text.lower()
    assert f'<time datetime="{due:%Y-%m-%d}">' in html
    assert structured_data(html)["MedicalWebPage"]["lastReviewed"] == (due - timedelta(days=YEAR)).isoformat()


def test_the_byline_stays_as_the_model_page_has_it_with_the_due_date_beneath(reader, answer):
    due = _reviewed(answer, days_ago=10)
    text = visible_text(reader.get(answer.get_absolute_url()).content.decode())
    reviewed = due - timedelta(days=YEAR)
    byline = f"Medically reviewed by Rita Reviewer, PharmD. Last updated on {_long(reviewed)}."
    assert f"{byline} Next medical review due by {_long(due)}." in text


def test_an_overdue_answer_says_so_plainly(reader, answer):
    due = _reviewed(answer, days_ago=YEAR + 1)
    text = visible_text(reader.get(answer.get_absolute_url()).content.decode())
    assert f"Review overdue. This answer was due for its next medical review on {_long(due)}" in text
    assert "ask a pharmacist or doctor before acting on it" in text
    assert f"Next review Overdue: was due on {_long(due)}" in text
    assert "Next medical review due by" not in text


def test_an_answer_due_today_is_not_yet_overdue_and_no_cache_keeps_it_past_midnight(reader, answer):
    due = _reviewed(answer, days_ago=YEAR)
    assert due == timezone.localdate()
    response = reader.get(answer.get_absolute_url())
    assert f"Next medical review due by {_long(due)}." in visible_text(response.content.decode())

    # The page reads "overdue" from the start of tomorrow: it is cached no longer than that.
    overdue_from = timezone.make_aware(datetime.combine(due + timedelta(days=1), time.min))
    assert parse_http_date(response["Expires"]) == int(overdue_from.timestamp())
    shared = int(re.search(r"s-maxage=(\d+)", response["Cache-Control"]).group(1))
    assert 0 <= shared <= overdue_from.timestamp() - timezone.now().timestamp() + 1


def test_a_review_due_later_or_already_overdue_leaves_the_cache_lifetime_alone(reader, answer):
    for days_ago in (10, YEAR + 1):
        _reviewed(answer, days_ago)
        response = reader.get(answer.get_absolute_url(), {"v": days_ago})  # another address: not the cached page
        assert "Expires" not in response
        assert "s-maxage=86400" in response["Cache-Control"]


def test_an_answer_with_its_own_shorter_interval_is_due_sooner(reader, answer):
    Article.objects.filter(pk=answer.pk).update(review_interval_days=Article.ReviewInterval.QUARTER)
    due = _reviewed(answer, days_ago=10) - timedelta(days=YEAR) + timedelta(days=Article.ReviewInterval.QUARTER)
    text = visible_text(reader.get(answer.get_absolute_url()).content.decode())
    assert f"Next medical review due by {_long(due)}." in text


def test_the_editorial_policy_states_the_rule_the_site_applies(reader, settings):
    settings.DRUGREF_REVIEW_INTERVAL_DAYS = 182
    text = visible_text(reader.get("/editorial-policy/").content.decode())
    assert "How often answers are reviewed" in text
    assert "within 182 days of its last review" in text
    assert "every 3 months" in text.lower() and "every month" in text.lower()
    assert "says so at the top of the page" in text
