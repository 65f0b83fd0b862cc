"""Scheduled go-live and take-down: signed off ahead of time, carried out by the owner, never outlived in a cache.

The clock is moved on by moving a scheduled change's time into the past: what
carries it out (a reader's request, the app servers' thread, the cron command)
sees exactly what it would see once the time had come.
"""

import threading
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django.utils.http import parse_http_date

from monographs import editorial
from monographs.caching import outbox
from monographs.models import Article, ArticleEvent, ScheduledChange, SignOff

from .support import visible_text
from .test_editorial import ADMIN, add_answer, change_url, edit, publish_new, sign_off, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def front_cache_lifetimes(settings):
    """Shared caches keep pages a day, as behind Varnish with tag purges: a schedule must cut that short."""
    settings.DRUGREF_SHARED_CACHE_SECONDS = 86400


def _at(moment) -> dict:
    """The admin's two boxes for a date and time, as a browser sends them, in the site's time zone."""
    local = timezone.localtime(moment)
    return {"publish_at_0": local.strftime("%Y-%m-%d"), "publish_at_1": local.strftime("%H:%M:%S")}


def _time_passes(article):
    """Move the answer's scheduled changes into the past: their time has come."""
    ScheduledChange.objects.filter(article=article).update(at=timezone.now() - timedelta(seconds=1))


def _lifetime(response) -> tuple[int, float]:
    """Return the s-maxage a response gives shared caches, and its Expires as a timestamp."""
    directives = dict(part.strip().partition("=")[::2] for part in response["Cache-Control"].split(",") if "=" in part)
    return int(directives["s-maxage"]), parse_http_date(response["Expires"])


def test_a_new_answer_signed_off_ahead_goes_live_at_its_time(editor_client, reviewer_client, reader):
    when = timezone.now() + timedelta(hours=2)
    article = add_answer(editor_client, question="When does it start to work?", answer="Within days.", **_at(when))
    assert article.publish_at is not None

    submit(article)
    article.refresh_from_db()
    page = reviewer_client.get(f"{ADMIN}{article.pk}/sign-off/").content.decode()
    assert "to go live then" in page
    assert sign_off(reviewer_client, article).status_code == 302
    article.refresh_from_db()
    assert article.state == Article.State.SCHEDULED and not SignOff.objects.filter(article=article).exists()

    # Until then readers get a 404 that no cache keeps past the time.
    early = reader.get(article.get_absolute_url())
    assert early.status_code == 404
    seconds, expires = _lifetime(early)
    assert 0 < seconds <= 7200 and abs(expires - when.timestamp()) < 1

    # The admin says so: the answer's page, its history, the list.
    assert "Goes live at" in visible_text(editor_client.get(change_url(article)).content.decode())
    history = editor_client.get(f"{ADMIN}{article.pk}/revisions/").content.decode()
    assert "Signed off ahead of its publish time" in history
    assert "goes live" in editor_client.get(ADMIN).content.decode()

    _time_passes(article)
    live = reader.get(article.get_absolute_url())  # the first reader's request carries it out
    assert live.status_code == 200 and "Within days." in visible_text(live.content.decode())
    article.refresh_from_db()
    assert article.is_live and article.publish_at is None
    assert SignOff.objects.get(article=article).signed_by.username == "rita"
    assert not ScheduledChange.objects.exists()


def test_a_draft_of_a_live_answer_goes_live_at_its_time_by_the_cron_command(editor_client, reviewer_client, reader):
    article = publish_new(editor_client, reviewer_client, question="Can it be frozen?", answer="No.")
    editor_client.post(f"{ADMIN}{article.pk}/start-draft/")
    when = timezone.now() + timedelta(days=1)
    edit(editor_client, article.pending_draft, answer="No: keep it at 2 to 8 °C.", slug="freezing", **_at(when))
    assert sign_off(reviewer_client, article).status_code == 302
    draft = Article.objects.get(draft_of=article)
    assert draft.state == Article.State.SCHEDULED

    before = reader.get("/medical-answers/can-it-be-frozen/")
    assert "No." in visible_text(before.content.decode()) and "2 to 8" not in before.content.decode()
    assert _lifetime(before)[0] <= 86400

    _time_passes(article)
    call_command("carry_out_schedules", verbosity=0)
    assert "2 to 8 °C" in visible_text(reader.get("/medical-answers/freezing/").content.decode())
    moved = reader.get("/medical-answers/can-it-be-frozen/")
    assert (moved.status_code, moved["Location"]) == (301, "/medical-answers/freezing/")
    assert not Article.objects.filter(draft_of=article).exists()


def test_editing_a_version_signed_off_ahead_cancels_its_schedule(editor_client, reviewer_client, reader):
    when = timezone.now() + timedelta(hours=3)
    article = add_answer(editor_client, question="Is it taken at night?", answer="Either.", **_at(when))
    sign_off(reviewer_client, article)
    edit(editor_client, article, answer="Either; the same time each day.")
    article.refresh_from_db()
    assert article.state == Article.State.IN_REVIEW and not ScheduledChange.objects.exists()
    assert article.events.filter(kind=ArticleEvent.Kind.SCHEDULE_CANCELLED).exists()
    editorial.carry_out_schedules(now=when + timedelta(minutes=1))
    assert reader.get(article.get_absolute_url()).status_code == 404  # what nobody signed off never goes live


def test_a_publish_time_in_the_past_is_refused_by_the_form(editor_client):
    article = add_answer(editor_client, question="Does it interact with grapefruit?", answer="No.")
    response = edit(editor_client, article, **_at(timezone.now() - timedelta(hours=1)))
    assert response.status_code == 200
    assert "Choose a time still to come" in response.content.decode()
    assert editorial.latest_revision(article).number == 1  # nothing saved


def _withdraw(client, article, reason="Superseded by the new label.", at=None):
    data = {"action": "withdraw", "_selected_action": [article.pk], "confirm": "yes", "reason": reason}
    if at is not None:
        data["take_down_at"] = timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")
    return client.post(ADMIN, data)


def test_a_take_down_at_a_set_time(editor_client, reviewer_client, reader):
    article = publish_new(editor_client, reviewer_client, question="Is it still sold?", answer="Yes.")
    when = (timezone.now() + timedelta(hours=1)).replace(second=0, microsecond=0)
    assert _withdraw(reviewer_client, article, at=when).status_code == 302
    page = reader.get(article.get_absolute_url())
    assert page.status_code == 200
    seconds, expires = _lifetime(page)
    assert 0 < seconds <= 3600 and expires == when.timestamp()
    assert "To be taken down at" in visible_text(reviewer_client.get(change_url(article)).content.decode())

    _time_passes(article)
    assert reader.get(article.get_absolute_url()).status_code == 410
    withdrawn = article.events.get(kind=ArticleEvent.Kind.WITHDRAWN)
    assert (withdrawn.note, withdrawn.created_by.username) == ("Superseded by the new label.", "rita")


def test_a_scheduled_take_down_can_be_cancelled(editor_client, reviewer_client, reader):
    article = publish_new(editor_client, reviewer_client, question="Is there a generic?", answer="Not yet.")
    _withdraw(reviewer_client, article, at=timezone.now() + timedelta(hours=1))
    assert editor_client.post(f"{ADMIN}{article.pk}/schedule/take_down/cancel/").status_code == 403  # only reviewers
    assert ScheduledChange.objects.filter(article=article).exists()
    assert reviewer_client.post(f"{ADMIN}{article.pk}/schedule/take_down/cancel/").status_code == 302
    assert not ScheduledChange.objects.exists()
    editorial.carry_out_schedules(now=timezone.now() + timedelta(hours=2))
    assert reader.get(article.get_absolute_url()).status_code == 200


def test_a_take_down_time_in_the_past_is_refused_and_changes_nothing(editor_client, reviewer_client, reader):
    article = publish_new(editor_client, reviewer_client, question="Is it a biologic?", answer="Yes.")
    response = _withdraw(reviewer_client, article, at=timezone.now() - timedelta(hours=1))
    assert response.status_code == 200 and "Choose a time still to come" in response.content.decode()
    assert reader.get(article.get_absolute_url()).status_code == 200
    assert not ScheduledChange.objects.exists()


@pytest.fixture
def staff_groups(transactional_db):
    """The editors' and reviewers' groups, which a test that commits (and so empties the tables after) must make."""
    from django.contrib.auth.models import Group, Permission

    from monographs.roles import sync_groups

    sync_groups(Group, Permission)


def test_the_app_servers_thread_carries_schedules_out(staff_groups, editor_client, reviewer_client, reader):
    article = publish_new(editor_client, reviewer_client, question="Is it stored frozen?", answer="No.")
    _withdraw(reviewer_client, article, at=timezone.now() + timedelta(hours=1))
    _time_passes(article)
    done = threading.Event()

    def carry_out():  # what gunicorn's worker hook gives the thread, and a sign that it ran
        if editorial.carry_out_schedules():
            done.set()

    thread = outbox.Delivery(poll_seconds=0.05, also=carry_out)
    thread.start()
    try:
        assert done.wait(10)  # the test's database is not read meanwhile: SQLite's in-memory tables lock
    finally:
        thread.stop()
    article.refresh_from_db()
    assert article.state == Article.State.WITHDRAWN


@override_settings(
    DRUGREF_PAGE_CACHE=True, CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
)
def test_a_cached_page_is_not_served_past_its_scheduled_time(editor_client, reviewer_client, medical_reviewer, reader):
    article = publish_new(editor_client, reviewer_client, question="Is it a tablet?", answer="An infusion.")
    # Seconds away, which the form (in minutes) cannot say.
    editorial.withdraw(article, medical_reviewer, "Recalled.", at=timezone.now() + timedelta(seconds=3))
    first = reader.get(article.get_absolute_url())
    assert first.status_code == 200
    again = reader.get(article.get_absolute_url())  # from the page cache, with what is left of its life
    assert _lifetime(again)[0] <= _lifetime(first)[0] <= 3
    time.sleep(3.2)
    assert reader.get(article.get_absolute_url()).status_code == 410
