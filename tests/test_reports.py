"""Readers report a problem with an answer: stored with the revision they saw, queued, throttled, not for bots."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from monographs.models import Article, ReaderReport

from .support import BESPONSA_URL, form_values, visible_text

pytestmark = pytest.mark.django_db

REPORT_URL = BESPONSA_URL + "report/"


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0)
    return Article.objects.get(slug=BESPONSA_URL.split("/")[2])


def send(client, **data):
    return client.post(REPORT_URL, {"message": "The dose seems wrong.", "email": "", "website": ""} | data)


def test_every_answer_links_to_its_report_form(client, demo):
    html = client.get(BESPONSA_URL).content.decode()
    assert f'<a href="{REPORT_URL}">Report a problem with this answer</a>' in html
    page = client.get(REPORT_URL)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]
    assert "Surrogate-Key" not in page


def test_a_report_is_stored_with_the_revision_readers_saw_and_the_reviewers_hear_of_it(
    client, demo, medical_reviewer, django_capture_on_commit_callbacks
):
    medical_reviewer.email = "rita@example.org"
    medical_reviewer.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, message="The infusion \r\ntime looks wrong. ", email="reader@example.org")
    assert response.status_code == 302 and response["Location"] == REPORT_URL + "?sent=1"
    report = ReaderReport.objects.get()
    live_revision = demo.sign_offs.first().revision.number
    assert (report.article, report.revision_number, report.message, report.email, report.status) == (
        demo, live_revision, "The infusion\ntime looks wrong.", "reader@example.org", "new"
    )  # fmt: skip
    assert "Thank you" in visible_text(client.get(REPORT_URL + "?sent=1").content.decode())
    assert [m.to for m in mail.outbox] == [["rita@example.org"]]
    assert "The infusion\ntime looks wrong." in mail.outbox[0].body


def test_an_empty_report_is_refused_with_the_field_named(client, demo):
    response = send(client, message="  ")
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    response = send(client, email="not an address")
    assert "Enter a valid email address." in response.content.decode()
    # Spaces, a line break and invisible characters look empty and are: refused, naming the field.
    response = send(client, message=" \u200b\r\n\u2060\ufeff ")
    assert response.status_code == 200 and "Say what seems wrong: the message is empty." in response.content.decode()
    assert not ReaderReport.objects.exists()


def test_a_bot_that_fills_the_honeypot_is_thanked_and_nothing_is_stored(client, demo):
    assert send(client, website="http://spam.example").status_code == 302
    assert not ReaderReport.objects.exists()


def test_one_address_is_limited_per_hour(client, demo, settings):
    settings.DRUGREF_REPORTS_PER_HOUR = 2
    assert [send(client).status_code for _ in range(3)] == [302, 302, 429]
    assert ReaderReport.objects.count() == 2
    assert "several reports in the last hour" in send(client).content.decode()
    other = client.post(REPORT_URL, {"message": "x"}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302  # another reader is not held back


def test_the_form_needs_its_csrf_token(demo):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(REPORT_URL, {"message": "x"}).status_code == 403
    page = strict.get(REPORT_URL)
    token = page.cookies["csrftoken"].value
    assert strict.post(REPORT_URL, {"message": "x", "csrfmiddlewaretoken": token}).status_code == 302


def test_only_live_answers_take_reports(client, demo, make_article):
    draft = make_article(state=Article.State.DRAFT)
    assert client.get(f"/medical-answers/{draft.slug}/report/").status_code == 404


def test_reports_wait_in_the_admin_queue_and_count_on_the_home_page(client, demo, reviewer_client, editor_client):
    send(client)
    report = ReaderReport.objects.get()
    home = visible_text(reviewer_client.get("/admin/").content.decode())
    assert "New reader reports 1" in home
    queue = reviewer_client.get("/admin/monographs/readerreport/?status__exact=new").content.decode()
    assert "How does Besponsa work" in queue
    url = f"/admin/monographs/readerreport/{report.pk}/change/"
    data = form_values(reviewer_client.get(url).content.decode(), "readerreport_form")
    data |= {"status": ["resolved"], "resolution": ["Checked against the label: the text is right."]}
    assert reviewer_client.post(url, data).status_code == 302
    report.refresh_from_db()
    assert (report.status, report.resolution) == ("resolved", "Checked against the label: the text is right.")
    assert editor_client.get(url).status_code == 200  # editors may read the queue
    assert editor_client.post(url, data).status_code == 403  # but not work it


def test_a_readers_address_is_shown_only_to_those_who_work_the_queue(client, demo, reviewer_client, editor_client):
    send(client, email="reader@example.org")
    url = f"/admin/monographs/readerreport/{ReaderReport.objects.get().pk}/change/"
    assert "reader@example.org" in reviewer_client.get(url).content.decode()
    page = editor_client.get(url)
    assert page.status_code == 200 and "The dose seems wrong." in page.content.decode()
    assert "reader@example.org" not in page.content.decode()


def test_a_report_never_waits_on_a_mail_server_that_does_not_answer(
    client, demo, medical_reviewer, settings, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    """The mail server accepts the connection and says nothing (packets dropped): the reader's answer comes first."""
    import socket
    import threading

    from monographs import notifications

    sent = []  # the real mail thread, with its future kept so the test can wait for it
    monkeypatch.setattr(notifications, "_in_background", lambda job: sent.append(notifications._sender.submit(job)))
    silent = socket.create_server(("127.0.0.1", 0))
    released = threading.Event()
    accepted = []

    def hold_connections():
        connection, _ = silent.accept()
        accepted.append(connection)
        released.wait(30)
        connection.close()

    threading.Thread(target=hold_connections, daemon=True).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", silent.getsockname()[1]
    settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = False, 3
    medical_reviewer.email = "rita@example.org"
    medical_reviewer.save()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = send(client)
        assert response.status_code == 302 and ReaderReport.objects.count() == 1
        assert not released.is_set() and not sent[0].done()  # answered while the mail server still says nothing
        sent[0].result(timeout=10)  # then the mail thread gives up after EMAIL_TIMEOUT, and says so
    finally:
        released.set()
        silent.close()
    assert accepted, "the mail thread never reached the mail server"
    assert any("could not send 1 review e-mail" in record.getMessage() for record in caplog.records)
