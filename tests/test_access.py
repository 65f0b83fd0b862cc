"""Who may open what in the admin: every admin address, for readers, editors and medical reviewers.

Permissions are checked on the server, for every address, whatever the pages
link to; and every form that changes something refuses a post without its
CSRF token.
"""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client

from monographs.models import Article, ArticleRedirect, Drug, ReaderReport

pytestmark = pytest.mark.django_db

LOGIN = 302  # to the sign-in page
OPEN, REFUSED, DONE = 200, 403, 302
MOVED = 302  # an answer's Django history leads to its own history page, which has every event

# Per model: (changelist, add, change, history, delete) for editors; medical reviewers see the same.
MODEL_ACCESS = {
    "article": (OPEN, OPEN, OPEN, MOVED, OPEN),  # the object is a never-published draft: it may be deleted
    "drug": (OPEN, OPEN, OPEN, OPEN, REFUSED),
    "condition": (OPEN, OPEN, OPEN, OPEN, REFUSED),
    "supportgroup": (OPEN, OPEN, OPEN, OPEN, REFUSED),
    "page": (OPEN, OPEN, OPEN, OPEN, REFUSED),
    "reviewer": (OPEN, REFUSED, OPEN, OPEN, REFUSED),  # view only: reviewers are set up by administrators
    "readerreport": (OPEN, REFUSED, OPEN, OPEN, REFUSED),  # from readers only; reviewers work them (test_reports)
    "articleredirect": (REFUSED,) * 5,
    "importbatch": (REFUSED,) * 5,
    "druglabel": (OPEN, REFUSED, OPEN, OPEN, REFUSED),  # view only: versions come from import_labels
    "publisher": (REFUSED,) * 5,  # administrators only
    "partner": (REFUSED,) * 5,  # partners of the content API and their keys: administrators only
    "apikey": (REFUSED,) * 5,
    "user": (REFUSED,) * 5,
    "group": (REFUSED,) * 5,
}


@pytest.fixture
def site(editor, medical_reviewer, tmp_path):
    call_command("load_demo", verbosity=0)
    (tmp_path / "a.jsonl").write_text('{"question": "Imported?", "answer": "Yes."}\n')
    call_command("import_articles", str(tmp_path / "a.jsonl"), verbosity=0)
    draft = Article.objects.get(question="Imported?")
    ArticleRedirect.objects.create(old_slug="an-old-address", article=Article.objects.live().first())
    ReaderReport.objects.create(article=Article.objects.live().first(), message="The dose seems wrong.")
    call_command("import_labels", str(Path(__file__).parent / "labels" / "besponsa-v11.xml"), verbosity=0)
    call_command("create_api_key", "Example Pharmacy", stdout=StringIO())
    return {"live": Article.objects.live().first(), "draft": draft}


def clients(editor, medical_reviewer):
    anonymous, as_editor, as_reviewer = Client(), Client(), Client()
    as_editor.force_login(editor)
    as_reviewer.force_login(medical_reviewer)
    return {"anonymous": anonymous, "editor": as_editor, "medical reviewer": as_reviewer}


def model_urls():
    for model in admin.site._registry:
        name = model._meta.model_name
        base = f"/admin/{model._meta.app_label}/{name}/"
        objects = Article.objects.filter(question="Imported?") if name == "article" else model._default_manager
        pk = objects.order_by("pk").values_list("pk", flat=True).first()
        assert pk is not None, f"the fixture makes a {name}: its pages are checked with an object"
        yield name, [base, f"{base}add/", f"{base}{pk}/change/", f"{base}{pk}/history/", f"{base}{pk}/delete/"]


def test_every_model_page_for_every_role(site, editor, medical_reviewer):
    people = clients(editor, medical_reviewer)
    seen, wrong = set(), []
    for name, urls in model_urls():
        seen.add(name)
        for url, expected in zip(urls, MODEL_ACCESS[name], strict=True):
            for person, client in people.items():
                want = LOGIN if person == "anonymous" else expected
                got = client.get(url).status_code
                if got != want:
                    wrong.append((person, url, got, want))
                if person == "anonymous":
                    assert client.get(url)["Location"].startswith("/admin/login/")
    assert seen == set(MODEL_ACCESS), "every registered model is in the matrix"
    assert wrong == []


def test_editorial_pages_for_every_role(site, editor, medical_reviewer):
    people = clients(editor, medical_reviewer)
    live, draft = site["live"], site["draft"]
    base = f"/admin/monographs/article/{draft.pk}/"
    #          (method, url): (editor, medical reviewer)
    matrix = {
        ("get", "/admin/"): (OPEN, OPEN),
        ("get", base + "preview/"): (OPEN, OPEN),
        ("get", base + "revisions/"): (OPEN, OPEN),
        ("get", base + "revisions/compare/?a=1&b=1"): (OPEN, OPEN),
        ("get", base + "revisions/compare/?a=1&b=99"): (404, 404),
        ("get", base + "revisions/1/restore/"): (OPEN, OPEN),
        ("get", base + "sign-off/"): (REFUSED, OPEN),
        ("post", base + "submit/"): (DONE, DONE),
        ("post", base + "sign-off/"): (REFUSED, DONE),
        ("post", f"/admin/monographs/article/{live.pk}/start-draft/"): (DONE, DONE),
        ("get", f"/admin/monographs/article/{live.pk}/delete/"): (REFUSED, REFUSED),  # withdrawn, never deleted
        ("get", "/admin/autocomplete/?app_label=monographs&model_name=article&field_name=drugs&term=b"): (OPEN, OPEN),
    }
    wrong = []
    for (method, url), (for_editor, for_reviewer) in matrix.items():
        for person, want in (("anonymous", LOGIN), ("editor", for_editor), ("medical reviewer", for_reviewer)):
            data = {"revision": draft.revisions.count()} if method == "post" else None
            got = getattr(people[person], method)(url, data).status_code
            if got != want:
                wrong.append((person, method, url, got, want))
    assert wrong == []


def test_list_actions_are_refused_without_their_permission(site, editor, medical_reviewer):
    people = clients(editor, medical_reviewer)
    live = site["live"]
    for action in ("review_and_sign_off", "withdraw"):
        response = people["editor"].post(
            "/admin/monographs/article/",
            {"action": action, "_selected_action": [live.pk], "index": 0, "confirm": "yes", "reason": "Superseded"},
        )
        assert response.status_code in (200, 302)
        live.refresh_from_db()
        assert live.is_live, action
    people["medical reviewer"].post(
        "/admin/monographs/article/",
        {"action": "withdraw", "_selected_action": [live.pk], "index": 0, "confirm": "yes", "reason": "Superseded"},
    )
    live.refresh_from_db()
    assert not live.is_live


def test_every_form_that_changes_something_needs_its_csrf_token(site, editor, medical_reviewer):
    """Each form the admin shows, posted back without its token by a signed-in reviewer: 403, nothing changed."""
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(medical_reviewer)
    draft = site["draft"]
    pages = [
        "/admin/monographs/article/",
        "/admin/monographs/article/add/",
        f"/admin/monographs/article/{draft.pk}/change/",
        f"/admin/monographs/article/{draft.pk}/sign-off/",
        f"/admin/monographs/article/{draft.pk}/revisions/1/restore/",
        f"/admin/monographs/article/{site['live'].pk}/change/",
        "/admin/monographs/drug/add/",
        "/admin/password_change/",
    ]
    posted = 0
    before = Article.objects.count(), Drug.objects.count(), draft.revisions.count()
    for page in pages:
        html = strict.get(page).content.decode()
        for form in re.findall(r'<form\b[^>]*method="post"[^>]*>', html, flags=re.IGNORECASE):
            action = re.search(r'action="([^"]*)"', form)
            target = action[1] if action and action[1] else page
            assert strict.post(target, {"question": "Forged?", "revision": 1}).status_code == 403, (page, target)
            posted += 1
    assert posted >= len(pages)
    assert (Article.objects.count(), Drug.objects.count(), draft.revisions.count()) == before
    logout = strict.post("/admin/logout/")
    assert logout.status_code == 403
