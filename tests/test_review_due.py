"""Answers due for re-review: in the admin list, on its index, and for cron."""

import csv
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from monographs.models import Article

pytestmark = pytest.mark.django_db


@pytest.fixture
def answers(make_article, drug):
    today = timezone.localdate()
    made = {
        "fresh": make_article(question="Fresh?", reviewed_on=today - timedelta(days=5)),
        "soon": make_article(question="Soon?", reviewed_on=today - timedelta(days=355)),
        "overdue": make_article(question="Overdue?", reviewed_on=today - timedelta(days=400)),
        "draft": make_article(question="Draft?", state=Article.State.DRAFT, reviewed_on=today - timedelta(days=900)),
    }
    made["overdue"].drugs.add(drug)
    return made


def run(*args):
    out = StringIO()
    call_command("review_due", *args, stdout=out)
    return out.getvalue()


def test_text_lists_due_and_overdue_live_answers(answers):
    out = run()
    assert "OVERDUE" in out and "35 days over" in out and "Overdue?" in out
    assert "DUE SOON" in out and "due in 10 days" in out and "Soon?" in out
    assert "Fresh?" not in out and "Draft?" not in out
    assert out.index("Overdue?") < out.index("Soon?")
    assert "1 overdue, 1 due soon, 0 label changed." in out


def test_csv_has_a_header_and_one_row_per_answer(answers):
    rows = list(csv.DictReader(StringIO(run("--format", "csv"))))
    assert [(r["status"], r["days_over"], r["question"]) for r in rows] == [
        ("overdue", "35", "Overdue?"),
        ("due soon", "-10", "Soon?"),
    ]
    assert rows[0]["reviewer"] == "Judith Stewart, BPharm"
    assert rows[0]["url"] == answers["overdue"].get_absolute_url()


def test_fail_if_overdue_exits_with_status_one(answers):
    with pytest.raises(CommandError) as caught:
        run("--fail-if-overdue")
    assert caught.value.returncode == 1
    answers["overdue"].delete()
    run("--fail-if-overdue")


def test_admin_list_filters_by_review_due(answers, admin_client):
    html = admin_client.get("/admin/monographs/article/?review=overdue").content.decode()
    assert "Overdue?" in html and "Soon?" not in html and "Fresh?" not in html
    html = admin_client.get("/admin/monographs/article/?review=due_soon").content.decode()
    assert "Soon?" in html and "Overdue?" not in html


def test_admin_list_filters_by_drug_name(answers, admin_client):
    html = admin_client.get("/admin/monographs/article/?drug=inotuzumab").content.decode()
    assert "Overdue?" in html and "Fresh?" not in html


def test_admin_index_counts_what_needs_review(answers, admin_client, make_article):
    make_article(question="Waiting?", state=Article.State.IN_REVIEW)
    html = admin_client.get("/admin/").content.decode()
    assert '?review=overdue">Overdue answers</a></th><td>1</td>' in html
    assert '?review=due_soon">Answers due soon</a></th><td>1</td>' in html
    assert '?review=waiting">Answers waiting for sign-off</a></th><td>1</td>' in html


@pytest.mark.parametrize(("due_in", "status"), [(-1, "overdue"), (0, "due soon"), (30, "due soon"), (31, "")])
def test_due_soon_counts_its_last_day(make_article, due_in, status):
    today = timezone.localdate()
    article = make_article(question="When?", reviewed_on=today - timedelta(days=365 - due_in))
    assert article.review_due_on == today + timedelta(days=due_in)
    assert article.review_status(today) == status
    assert Article.objects.due_soon(today).filter(pk=article.pk).exists() == (status == "due soon")
    assert Article.objects.overdue(today).filter(pk=article.pk).exists() == (status == "overdue")
