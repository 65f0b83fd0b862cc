"""Who stands behind an answer: reviewer pages with their registration, the team page, named writers, the publisher."""

import json
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from monographs.models import Article, Publisher, Reviewer

from .support import visible_text
from .test_editorial import publish_new
from .test_seo import structured_data

pytestmark = pytest.mark.django_db

REGISTERED = {
    "job_title": "Clinical pharmacist, oncology",
    "registration_body": "General Pharmaceutical Council",
    "registration_number": "2045678",
    "registration_url": "https://www.pharmacyregulation.org/registers/pharmacist",
    "bio": "Judith has worked in hospital oncology pharmacy for twenty years.",
}


@pytest.fixture
def registered(reviewer):
    Reviewer.objects.filter(pk=reviewer.pk).update(**REGISTERED)
    reviewer.refresh_from_db()
    return reviewer


def test_a_reviewer_page_gives_credentials_spelled_out_registration_and_the_answers_reviewed(
    registered, make_article, reader
):
    make_article(question="Who is Besponsa for?")
    html = reader.get(registered.get_absolute_url()).content.decode()
    text = visible_text(html)
    assert (
        "Judith Stewart, BPharm Clinical pharmacist, oncology BPharm (Bachelor of Pharmacy) "
        "Registered with General Pharmaceutical Council, number 2045678. "
        "Judith has worked in hospital oncology pharmacy for twenty years."
    ) in text
    assert f'<a href="{REGISTERED["registration_url"]}">General Pharmaceutical Council</a>' in html
    assert "Answers reviewed Who is Besponsa for?" in text
    crumbs = html[html.index('<nav class="breadcrumbs"') : html.index("</nav>", html.index('"breadcrumbs"'))]
    assert visible_text(f"<body>{crumbs}") == "Home Medical reviewers Judith Stewart, BPharm"
    assert '<a href="/reviewers/">Medical reviewers</a>' in crumbs
    person = structured_data(html)["Person"]
    assert person["jobTitle"] == "Clinical pharmacist, oncology"
    assert person["hasCredential"][-1] == {
        "@type": "EducationalOccupationalCredential",
        "credentialCategory": "license",
        "recognizedBy": {"@type": "Organization", "name": "General Pharmaceutical Council"},
        "identifier": "2045678",
        "url": REGISTERED["registration_url"],
    }


def test_the_team_page_lists_every_reviewer_and_is_purged_when_one_changes(registered, reader, settings):
    settings.DRUGREF_PAGE_CACHE = True
    Reviewer.objects.create(name="Sam Org", slug="sam-org")  # no credentials, no registration
    text = visible_text(reader.get("/reviewers/").content.decode())
    assert (
        "Judith Stewart, BPharm Clinical pharmacist, oncology Bachelor of Pharmacy "
        "Registered with General Pharmaceutical Council, number 2045678. Sam Org"
    ) in text
    assert 'href="/reviewers/"' in reader.get("/").content.decode()  # in every page's footer

    registered.job_title = "Lead pharmacist"
    registered.save()  # as the admin saves it
    assert "Judith Stewart, BPharm Lead pharmacist" in visible_text(reader.get("/reviewers/").content.decode())


def test_the_writer_is_named_only_where_the_site_chooses_to(editor_client, reviewer_client, reader, settings):
    article = publish_new(editor_client, reviewer_client, question="Can I drive after an infusion?")
    text = visible_text(reader.get(article.get_absolute_url()).content.decode())
    assert "Medically reviewed by Rita Reviewer" in text and "Written by" not in text

    settings.DRUGREF_NAME_WRITERS = True
    text = visible_text(reader.get(article.get_absolute_url()).content.decode())
    assert "Written by Eddie Editor; medically reviewed by Rita Reviewer" in text


def test_an_answer_with_no_writer_on_record_keeps_the_plain_byline(make_article, reader, settings):
    settings.DRUGREF_NAME_WRITERS = True
    article = make_article(question="Imported, written elsewhere?")
    assert "Written by" not in visible_text(reader.get(article.get_absolute_url()).content.decode())
    assert Article.objects.get(pk=article.pk).is_live


def test_the_about_page_says_who_publishes_and_how_to_reach_them_from_the_admin(admin_client, reader, settings):
    settings.DRUGREF_PAGE_CACHE = True
    call_command("load_demo", verbosity=0)
    about = visible_text(reader.get("/about/").content.decode())
    assert "Who publishes drugref drugref is published by drugref." in about
    assert "To contact the editors" not in about  # nothing set yet, nothing promised

    assert admin_client.get("/admin/monographs/publisher/").url == "/admin/monographs/publisher/1/change/"
    page = admin_client.get("/admin/monographs/publisher/1/change/").content.decode()
    assert "Save" in page and "/admin/monographs/publisher/1/delete/" not in page
    response = admin_client.post(
        "/admin/monographs/publisher/1/change/",
        {
            "name": "Example Health Ltd",
            "email": "editors@example.org",
            "phone": "+44 20 7946 0000",
            "address": "1 Example Street\r\nLondon\r\n",
        },
    )
    assert response.status_code == 302
    for url in ("/about/", "/editorial-policy/"):
        text = visible_text(reader.get(url).content.decode())
        assert (
            "drugref is published by Example Health Ltd. Its answers are written by our editors and medically "
            "reviewed by our team of pharmacists and clinicians. To contact the editors: "
            "E-mail: editors@example.org Telephone: +44 20 7946 0000 Post: 1 Example Street London"
        ) in text, url
    assert admin_client.get("/admin/monographs/publisher/add/").status_code == 403
    assert Publisher.objects.count() == 1


def test_editors_cannot_change_the_publisher(editor_client):
    assert editor_client.get("/admin/monographs/publisher/1/change/").status_code == 403


def test_reviewer_registration_travels_in_imports_and_a_bad_address_is_refused_by_line_and_field(
    tmp_path, make_article
):
    good = {"kind": "reviewer", "name": "Alex Example", "credentials": "PharmD", **REGISTERED}
    bad = {"kind": "reviewer", "name": "Bo Example", "registration_url": "not an address"}
    path = tmp_path / "subjects.jsonl"
    path.write_text("\n".join(json.dumps(record) for record in (good, bad)) + "\n")
    with pytest.raises(CommandError) as refused:
        call_command("import_articles", str(path), stdout=StringIO(), stderr=StringIO())
    assert f"{path}:2: registration_url: is not a web address" in str(refused.value)
    assert not Reviewer.objects.filter(name__endswith="Example").exists()

    path.write_text(json.dumps(good) + "\n")
    call_command("import_articles", str(path), stdout=StringIO())
    reviewer = Reviewer.objects.get(name="Alex Example")
    assert {name: getattr(reviewer, name) for name in REGISTERED} == REGISTERED
    make_article(reviewer=reviewer)  # an export carries the reviewers its answers name
    exported = tmp_path / "out.jsonl"
    call_command("export_articles", "--output", str(exported), stdout=StringIO())
    records = [json.loads(line) for line in exported.read_text().splitlines()]
    [record] = [r for r in records if r.get("kind") == "reviewer" and r["name"] == "Alex Example"]
    assert {name: record[name] for name in REGISTERED} == REGISTERED
    assert User.objects.count() == 0
