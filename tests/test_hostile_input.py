"""Whatever a signed-in user sends to the admin, the answer is a page or a refusal, never a 500.

Every admin page (lists with each of their filters, forms, editorial views,
autocomplete) gets NUL bytes, huge numbers, negative numbers, wrong types and
junk in its parameters and its address.
"""

import re
from html import unescape
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.management import call_command

from monographs.models import Article

pytestmark = pytest.mark.django_db

HOSTILE = ["\x00", "a\x00b", "9" * 30, "-1", "1.5", "abc", "' OR 1=1 --", "%", "_", "[]", "\U0001f600", "x" * 5000]


@pytest.fixture
def superuser_client(django_user_model):
    from django.test import Client

    call_command("load_demo", verbosity=0)
    client = Client(raise_request_exception=False)  # a 500 is an answer here: the tests list them
    client.force_login(django_user_model.objects.create_superuser("root", password="pw"))
    return client


def admin_pages():
    """Every registered model's list, add page and a change page, plus the answer's editorial views."""
    pages = []
    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        pages += [base, base + "add/"]
    return pages


def changelist_parameters(client, url):
    """The query parameters the list's own filter, sort and search links use."""
    html = client.get(url).content.decode()
    names = {"q", "o", "p", "e", "_to_field", "_popup", "all"}
    for href in re.findall(r'href="(\?[^"]*)"', html):
        names |= {name for name, _ in parse_qsl(urlsplit(unescape(href)).query)}
    return sorted(names)


@pytest.mark.parametrize("url", admin_pages())
def test_list_and_form_parameters(superuser_client, url):
    names = changelist_parameters(superuser_client, url) if not url.endswith("add/") else ["_changelist_filters"]
    failures = [
        (name, value)
        for name in names
        for value in HOSTILE
        if superuser_client.get(url, {name: value}).status_code >= 500
    ]
    assert failures == []


def test_addresses_with_hostile_ids(superuser_client):
    article = Article.objects.live().first()
    urls = [
        f"/admin/{model._meta.app_label}/{model._meta.model_name}/{value}/{tail}"
        for model in admin.site._registry
        for value in ["9" * 30, "9223372036854775808", "-1", "abc", "%00", "1.5"]
        for tail in ["change/", "history/", "delete/"]
    ]
    for value in ["9" * 30, "9223372036854775808"]:
        urls += [f"/admin/monographs/article/{value}/{path}" for path in ["preview/", "revisions/", "sign-off/"]]
        urls += [f"/admin/monographs/article/{value}/{path}" for path in ["submit/", "start-draft/"]]
        urls.append(f"/admin/monographs/article/{article.pk}/revisions/{value}/restore/")
    for a, b in [("9" * 30, "1"), ("1", "\x00"), ("-1", "1"), ("abc", "1"), ("1", "1")]:
        urls.append(f"/admin/monographs/article/{article.pk}/revisions/compare/?" + urlencode({"a": a, "b": b}))
    failures = [
        (method, url)
        for url in urls
        for method in ("get", "post")
        if getattr(superuser_client, method)(url).status_code >= 500
    ]
    assert failures == []


def test_autocomplete_terms(superuser_client):
    fields = [("monographs", "article", "drugs"), ("monographs", "relatedquestion", "target")]
    for app_label, model_name, field_name in fields:
        for value in HOSTILE:
            params = {"term": value, "app_label": app_label, "model_name": model_name, "field_name": field_name}
            response = superuser_client.get("/admin/autocomplete/", params)
            assert response.status_code < 500, (model_name, field_name, value)
        for page in ["9" * 30, "-1", "abc", "\x00"]:
            params = {
                "term": "a",
                "page": page,
                "app_label": app_label,
                "model_name": model_name,
                "field_name": field_name,
            }
            assert superuser_client.get("/admin/autocomplete/", params).status_code < 500, page


def test_posted_nul_characters_are_form_errors_that_keep_the_input(superuser_client):
    from .support import form_values

    page = superuser_client.get("/admin/monographs/article/add/").content.decode()
    data = form_values(page, "article_form") | {
        "question": ["Is it safe?\x00"],
        "slug": ["is-it-safe"],
        "answer": ["Typed with care.\r\nSecond line."],
    }
    response = superuser_client.post("/admin/monographs/article/add/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Null characters are not allowed." in html and "Typed with care." in html
    assert not Article.objects.filter(slug="is-it-safe").exists()


def test_posted_list_actions_with_hostile_ids(superuser_client):
    page = superuser_client.get("/admin/monographs/article/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    for value in ["\x00", "9" * 30, "abc", "-1"]:
        data = {"csrfmiddlewaretoken": token, "action": "submit_for_review", "_selected_action": [value], "index": "0"}
        assert superuser_client.post("/admin/monographs/article/", data).status_code < 500, value


def test_posted_sign_offs_with_hostile_values(superuser_client):
    from monographs.models import Reviewer

    Reviewer.objects.create(name="Root", slug="root", user=User.objects.get(username="root"))
    article = Article.objects.live().first()
    url = f"/admin/monographs/article/{article.pk}/sign-off/"
    before = article.sign_offs.count()
    for revision, note in [("abc", ""), ("9" * 30, ""), ("-1", ""), ("1", "note\x00"), ("1", "x" * 5000)]:
        response = superuser_client.post(url, {"revision": revision, "change_note": note}, follow=True)
        assert response.status_code == 200, (revision, note)
        assert "Signed off revision" not in response.content.decode(), (revision, note)
    assert article.sign_offs.count() == before


@pytest.mark.django_db(transaction=True)
def test_a_save_the_database_refuses_part_way_writes_nothing_and_keeps_the_input(superuser_client):
    """Another editor takes the address between the form's check and the save: the race, made certain."""
    from django.db.models.signals import pre_save

    from .support import form_values

    def other_editor_takes_the_address(sender, instance, **kwargs):
        if instance.slug == "is-it-safe-with-food" and instance.question != "Someone else's question?":
            Article.objects.create(question="Someone else's question?", slug=instance.slug, answer="Theirs.")

    page = superuser_client.get("/admin/monographs/article/add/").content.decode()
    data = form_values(page, "article_form") | {
        "question": ["Is it safe with food?"],
        "slug": ["is-it-safe-with-food"],
        "answer": ["Typed with care.\r\n\r\nSecond paragraph."],
        "relatedquestion_links-TOTAL_FORMS": ["1"],
        "relatedquestion_links-0-target": [str(Article.objects.live().first().pk)],
        "relatedquestion_links-0-position": ["0"],
    }
    pre_save.connect(other_editor_takes_the_address, sender=Article)
    try:
        response = superuser_client.post("/admin/monographs/article/add/", data)
    finally:
        pre_save.disconnect(other_editor_takes_the_address, sender=Article)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved: the database refused the change" in html
    assert "Typed with care." in html and "Is it safe with food?" in html
    assert not Article.objects.filter(question="Is it safe with food?").exists()
    assert Article.objects.filter(slug="is-it-safe-with-food").count() == 0  # the whole attempt rolled back


ONE_LINE_BREAKERS = ["Besponsa \u202egnp.exe", "Two\nlines", "Para\u2029graph", "Hid\u200bden", "Iso\u2066late\u2069"]


@pytest.mark.parametrize("name", ONE_LINE_BREAKERS)
def test_a_question_that_is_not_one_plain_line_is_a_form_error_that_keeps_the_input(superuser_client, name):
    from .support import form_values

    page = superuser_client.get("/admin/monographs/article/add/").content.decode()
    data = form_values(page, "article_form") | {"question": [name], "slug": ["odd"], "answer": ["Typed with care."]}
    response = superuser_client.post("/admin/monographs/article/add/", data)
    html = response.content.decode()
    assert response.status_code == 200 and "Typed with care." in html
    assert "keep it to one line of visible text" in html
    assert not Article.objects.filter(slug="odd").exists()


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("drug/add/", "brand_name"),
        ("condition/add/", "name"),
        ("reviewer/add/", "name"),
        ("supportgroup/add/", "name"),
    ],
)
def test_names_that_are_not_one_plain_line_are_form_errors(superuser_client, path, field):
    from .support import form_values

    page = superuser_client.get(f"/admin/monographs/{path}").content.decode()
    form_id = re.search(r'<form[^>]*id="(\w+_form)"', page)[1]
    data = form_values(page, form_id) | {field: ["Besponsa \u202egnp.exe"], "slug": ["odd-name"]}
    response = superuser_client.post(f"/admin/monographs/{path}", data)
    assert response.status_code == 200
    assert "This field contains a direction control (U+202E)" in response.content.decode()


@pytest.mark.parametrize(
    ("record", "where"),
    [
        ({"question": "Is it \u2028safe?"}, "question: contains a line break (U+2028)"),
        (
            {"reviewer": {"name": "Judith\u200b Stewart", "credentials": "BPharm"}},
            "reviewer.name: contains a zero-width",
        ),
        ({"drugs": ["Besponsa \u202egnp.exe"]}, "drugs: contains a direction control (U+202E)"),
    ],
)
def test_an_import_with_a_name_not_on_one_line_is_refused_at_its_line_and_field(tmp_path, db, record, where):
    import json
    from io import StringIO

    from django.core.management import CommandError

    answer = {"kind": "article", "slug": "odd-one", "question": "Is it safe?", "answer": "Yes.", "state": "draft"}
    path = tmp_path / "answers.jsonl"
    path.write_text(json.dumps({"kind": "article", "slug": "fine", "question": "Q?", "answer": "A."}) + "\n")
    with path.open("a") as out:
        out.write(json.dumps(answer | record) + "\n")
    with pytest.raises(CommandError) as refused:
        call_command("import_articles", str(path), stdout=StringIO(), stderr=StringIO())
    assert f"{path}:2: {where}" in str(refused.value)
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_the_migration_reports_stored_names_not_on_one_line(capsys, make_article):
    import importlib

    from django.apps import apps

    make_article(question="Is it \u202esafe?")
    migration = importlib.import_module("monographs.migrations.0023_names_on_one_line")
    migration.report_names_not_on_one_line(apps, None)
    printed = capsys.readouterr().out
    assert "Warning: Article" in printed and "question contains a direction control (U+202E)" in printed
