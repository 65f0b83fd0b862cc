"""The content API for partners: live answers as their pages show them, keys, limits, errors as JSON, caching."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from monographs import editorial
from monographs.models import Article, ContentChange
from monographs.partners import ApiKey, Partner

from .support import BESPONSA_URL, visible_text
from .test_editorial import edit, publish_new, sign_off

pytestmark = pytest.mark.django_db

API = "/api/v1/"
BESPONSA = BESPONSA_URL.split("/")[2]


@pytest.fixture
def key(db):
    _, secret = ApiKey.issue(Partner.objects.create(name="Example Pharmacy", contact="apps@example.org"))
    return secret


@pytest.fixture
def partner(key):
    """A partner's app: every request carries its key."""
    return Client(HTTP_AUTHORIZATION=f"Api-Key {key}")


def get(client, path, **headers):
    response = client.get(API + path, **headers)
    assert response["Content-Type"].startswith("application/json"), (path, response.status_code)
    return response


# What an answer holds: the same as its page.


def test_an_answer_says_what_its_page_says(partner, demo, reader):
    response = get(partner, f"answers/{BESPONSA}/")
    assert response.status_code == 200
    body = response.json()
    page = visible_text(reader.get(BESPONSA_URL).content.decode())
    assert body["question"] in page and body["byline"] in page
    assert body["byline"] == "Medically reviewed by Judith Stewart, BPharm. Last updated on March 12, 2024."
    for paragraph in body["answer_text"].split("\n\n"):
        assert paragraph in page or paragraph == "Boxed warning", paragraph
    assert [w["label"] for w in body["warnings"]] == ["Boxed warning"]
    assert body["warnings"][0]["text"] in page
    assert body["reviewer"]["byline_name"] == "Judith Stewart, BPharm"
    assert (body["reviewed_on"], body["next_review_due"], body["review_status"]) == (
        "2024-03-12",
        "2025-03-12",
        "overdue",
    )
    assert body["url"] == "http://testserver" + BESPONSA_URL
    assert [d["name"] for d in body["drugs"]] == ["Besponsa"]
    assert "What is the boxed warning for Besponsa?" in [q["question"] for q in body["related_questions"]]
    assert [s["title"] for s in body["sources"]] == [
        "BESPONSA (inotuzumab ozogamicin) for injection, for intravenous use: Prescribing Information"
    ]
    article = Article.objects.get(slug=BESPONSA)
    assert body["revision"] == article.sign_offs.first().revision.number
    assert body["attribution"].startswith("Medical answers from drugref")


def test_only_live_content_drafts_pending_changes_and_withdrawn_answers(
    partner, make_article, editor, medical_reviewer
):
    live = make_article(question="Live?", answer="As signed off.")
    draft = make_article(question="Draft?", state=Article.State.DRAFT)
    pending = editorial.start_draft(live)
    pending.answer = "Not yet signed off."
    pending.save()
    gone = make_article(question="Gone?")
    editorial.withdraw(gone, medical_reviewer, "Superseded")

    assert get(partner, f"answers/{live.slug}/").json()["answer_text"] == "As signed off."
    assert get(partner, f"answers/{draft.slug}/").status_code == 404
    withdrawn = get(partner, f"answers/{gone.slug}/")
    assert withdrawn.status_code == 410 and withdrawn.json()["error"]["code"] == "withdrawn"
    listed = [a["slug"] for a in get(partner, "answers/").json()["results"]]
    assert listed == [live.slug]


def test_lists_page_by_cursor_and_filter(partner, make_article, drug):
    made = [make_article() for _ in range(5)]
    made[1].drugs.add(drug)
    made[3].drugs.add(drug)
    first = get(partner, "answers/?limit=2").json()
    assert [a["id"] for a in first["results"]] == [made[0].pk, made[1].pk]
    second = partner.get(first["next"]).json()
    assert [a["id"] for a in second["results"]] == [made[2].pk, made[3].pk]
    third = partner.get(second["next"]).json()
    assert [a["id"] for a in third["results"]] == [made[4].pk] and third["next"] is None
    about = get(partner, "answers/?drug=besponsa").json()["results"]
    assert [a["id"] for a in about] == [made[1].pk, made[3].pk]
    drugs = get(partner, "drugs/").json()["results"]
    assert drugs[0]["name"] == "Besponsa" and drugs[0]["generic_name"] == "inotuzumab ozogamicin"
    detail = get(partner, "drugs/besponsa/").json()
    assert [a["id"] for a in detail["answers"]] == [made[1].pk, made[3].pk]


# Keys


def test_requests_without_a_valid_key_are_refused_in_json(key, demo):
    anonymous = Client()
    for headers, status, code in [
        ({}, 401, "unauthorized"),
        ({"HTTP_AUTHORIZATION": "Api-Key drk_wrongwrongwrongwrongwrongwrong"}, 401, "unauthorized"),
        ({"HTTP_AUTHORIZATION": f"Bearer {key}"}, 401, "unauthorized"),
        ({"HTTP_AUTHORIZATION": f"Api-Key {key[:-1]}x"}, 401, "unauthorized"),
    ]:
        response = get(anonymous, f"answers/{BESPONSA}/", **headers)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), headers
        assert response["WWW-Authenticate"] == "Api-Key"


def test_a_revoked_key_or_an_inactive_partner_gets_403(partner, key, demo):
    assert get(partner, "answers/").status_code == 200
    stored = ApiKey.objects.get()
    assert stored.last_used_at is not None
    stored.revoke()
    response = get(partner, "answers/")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "key_revoked")
    _, other = ApiKey.issue(stored.partner)
    other_partner = Client(HTTP_AUTHORIZATION=f"Api-Key {other}")
    assert get(other_partner, "answers/").status_code == 200  # its record is now kept in the shared cache
    stored.partner.active = False
    stored.partner.save()  # as the admin saves it
    assert get(other_partner, "answers/").status_code == 403


def test_keys_are_stored_hashed_and_create_api_key_prints_the_key_last(db):
    out = StringIO()
    call_command("create_api_key", "Example Clinic", "--name", "intranet", stdout=out)
    lines = out.getvalue().splitlines()
    secret = lines[-1]
    assert lines[0].startswith("Created partner Example Clinic; key ")
    stored = ApiKey.objects.get()
    assert secret not in json.dumps(list(ApiKey.objects.values()), default=str)
    assert stored.hashed != secret and len(stored.hashed) == 64
    assert get(Client(HTTP_AUTHORIZATION=f"Api-Key {secret}"), "answers/").status_code == 200
    call_command("create_api_key", "Example Clinic", stdout=StringIO())  # the same partner, a second key
    assert Partner.objects.count() == 1 and ApiKey.objects.count() == 2


def test_the_admin_issues_a_key_once_and_revokes_it(admin_client):
    partner = Partner.objects.create(name="Example Pharmacy")
    response = admin_client.post(
        "/admin/monographs/partner/", {"action": "issue_key", "_selected_action": [partner.pk]}, follow=True
    )
    said = [str(m) for m in response.context["messages"]]
    secret = said[0].rsplit(" ", 1)[-1]
    assert said[0].startswith("New key for Example Pharmacy (copy it now; it is not shown again): drk_")
    assert secret not in admin_client.get(f"/admin/monographs/partner/{partner.pk}/change/").content.decode()
    assert get(Client(HTTP_AUTHORIZATION=f"Api-Key {secret}"), "answers/").status_code == 200
    admin_client.post("/admin/monographs/apikey/", {"action": "revoke", "_selected_action": [ApiKey.objects.get().pk]})
    assert get(Client(HTTP_AUTHORIZATION=f"Api-Key {secret}"), "answers/").status_code == 403


def test_each_key_has_a_limit_a_minute(partner, key, settings, demo):
    settings.DRUGREF_API_REQUESTS_PER_MINUTE = 3
    for _ in range(3):
        assert get(partner, "answers/").status_code == 200
    refused = get(partner, "answers/")
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 60
    _, other = ApiKey.issue(Partner.objects.create(name="Other"))
    assert get(Client(HTTP_AUTHORIZATION=f"Api-Key {other}"), "answers/").status_code == 200  # per key


# As fast as the pages: conditional requests, the page cache and its purge.


def test_an_answer_has_an_etag_and_last_modified_and_answers_304(partner, demo):
    first = get(partner, f"answers/{BESPONSA}/")
    assert first["ETag"] and first["Last-Modified"] and first["Cache-Control"] == "private, no-cache"
    again = partner.get(API + f"answers/{BESPONSA}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""


def test_a_cached_answer_is_purged_by_its_change_and_never_served_without_a_key(
    partner, settings, editor, medical_reviewer, make_article
):
    settings.DRUGREF_PAGE_CACHE = True
    article = make_article(question="Cached?", answer="Before.")
    url = f"answers/{article.slug}/"
    assert get(partner, url).json()["answer_text"] == "Before."
    with CaptureQueriesContext(connection) as queries:  # the key's record and the body: no database
        assert get(partner, url).json()["answer_text"] == "Before."
    # but when a new minute starts between the two requests: the key's last use, recorded once a minute
    assert [q["sql"] for q in queries if "last_used_at" not in q["sql"]] == []
    assert get(Client(), url).status_code == 401  # a cached body needs a key too

    draft = editorial.start_draft(article)
    draft.answer = "After."
    draft.save()
    revision = editorial.record_revision(article, user=editor)
    editorial.submit_for_review(article, editor)
    editorial.sign_off(article, user=medical_reviewer, revision_number=revision.number)
    body = get(partner, url).json()
    assert (body["answer_text"], body["revision"]) == ("After.", revision.number)
    ApiKey.objects.get().revoke()  # a kept body, a key remembered: refused at its next request all the same
    assert get(partner, url).status_code == 403


# Errors are data


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("answers/?limit=0", 400),
        ("answers/?limit=1000000000000000000000000", 400),
        ("answers/?after=-5", 400),
        ("answers/?after=99999999999999999999999", 400),
        ("answers/?after=9223372036854775807", 200),
        ("answers/?updated_since=yesterday", 400),
        ("answers/?updated_since=2024-02-30", 400),
        ("answers/?updated_since=2024-03-01T10:00:00%2B05:00", 200),
        ("answers/?drug=%3Cscript%3E", 400),
        ("answers/?drug=a&drug=b", 400),
        ("answers/?limit=%00", 400),
        ("answers/%00/", 400),
        ("answers/%E2%80%AE/", 404),
        ("answers/" + "a" * 5000 + "/", 404),
        ("changes/?after=abc", 400),
        ("changes/?limit=5000", 400),
        ("drugs/?after=1.5", 400),
        ("nothing/here/", 404),
        ("answers", 404),
    ],
)
def test_hostile_query_strings_get_json_errors_never_a_500(partner, demo, path, status):
    response = get(partner, path)
    assert response.status_code == status, response.content[:300]
    if status != 200:
        assert set(response.json()["error"]) == {"code", "message"}


def test_the_openapi_schema_is_valid_and_documents_every_endpoint(partner):
    from openapi_spec_validator import validate

    schema = json.loads(Client().get(API + "schema/").content)  # no key needed to read the documentation
    validate(schema)
    assert set(schema["paths"]) == {
        f"{API}{path}"
        for path in (
            "answers/",
            "answers/{slug}/",
            "drugs/",
            "drugs/{slug}/",
            "conditions/",
            "conditions/{slug}/",
            "reviewers/{slug}/",
            "changes/",
        )
    }
    assert Client().get(API + "docs/").status_code == 200


def change_live(editor_client, reviewer_client, article, **fields) -> int:
    """Change a live answer as its editor and reviewer do in the admin; return the revision signed off."""
    editor_client.post(f"/admin/monographs/article/{article.pk}/start-draft/")
    article = Article.objects.get(pk=article.pk)
    assert edit(editor_client, article.pending_draft, **fields).status_code == 302
    assert sign_off(reviewer_client, article).status_code == 302
    return editorial.latest_revision(article).number


def test_the_changes_feed_records_each_kind_with_the_revision_readers_see(
    partner, editor, medical_reviewer, editor_client, reviewer_client
):
    article = publish_new(editor_client, reviewer_client, question="Fed?")
    first = editorial.latest_revision(article).number
    second = change_live(editor_client, reviewer_client, article, answer="Two.")
    third = change_live(editor_client, reviewer_client, article, slug="fed-again")
    editorial.withdraw(Article.objects.get(pk=article.pk), medical_reviewer, "Wrong")
    editorial.restore(article, article.revisions.get(number=first), editor)
    assert sign_off(reviewer_client, article).status_code == 302
    back = editorial.latest_revision(article).number

    feed = get(partner, "changes/").json()
    assert [(c["kind"], c["slug"], c["previous_slug"], c["revision"]) for c in feed["results"]] == [
        ("published", "fed", None, first),
        ("updated", "fed", None, second),
        ("address_changed", "fed-again", "fed", third),
        ("withdrawn", "fed-again", None, None),
        ("restored", "fed", None, back),
    ]
    assert feed["next"].endswith(f"?after={ContentChange.objects.last().pk}&limit=100")
    assert get(partner, feed["next"].split(API)[1]).json()["results"] == []
