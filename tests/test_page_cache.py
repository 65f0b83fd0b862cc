"""The page cache: anonymous readers get stored pages without queries, and never a page that changed."""

import gzip
import json

import brotli
import pytest
from django.core.management import call_command
from django.test import Client

from monographs import editorial
from monographs.caching import pages
from monographs.models import Article, Condition, Drug, Page, Reviewer, SupportGroup

from .support import BESPONSA_URL, visible_text
from .test_editorial import ADMIN, edit, publish_new, sign_off

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    """These tests are about the page cache: on, whatever the environment says."""
    settings.DRUGREF_PAGE_CACHE = True


def revise(editor_client, reviewer_client, article, **changes):
    """Edit a live answer through its pending draft and sign the change off."""
    editor_client.post(f"{ADMIN}{article.pk}/start-draft/")
    assert edit(editor_client, article.pending_draft, **changes).status_code == 302
    assert sign_off(reviewer_client, article).status_code == 302


def warm(client, url):
    """Request a page twice: the second answer comes from the cache."""
    client.get(url)
    return client.get(url)


def test_a_hit_makes_no_query_and_has_the_same_bytes(reader, demo, django_assert_num_queries):
    first = reader.get(BESPONSA_URL)
    with django_assert_num_queries(0):
        second = reader.get(BESPONSA_URL)
    assert (second.status_code, second.content) == (200, first.content)
    # The security headers were stored with the page.
    for header in ("X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "Cross-Origin-Opener-Policy"):
        assert second[header] == first[header], header


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/medical-answers/",
        BESPONSA_URL,
        "/drugs/",
        "/drugs/besponsa/",
        "/conditions/acute-lymphoblastic-leukemia/",
        "/reviewers/judith-stewart/",
        "/support-groups/besponsa-support-group/",
        "/about/",
        "/search/?q=leukemia",
        "/feeds/answers.rss",
        "/drugs/besponsa/answers.atom",
        "/sitemap.xml",
        "/sitemap-answers.xml",
        "/robots.txt",
        "/medical-answers/no-such-answer/",
    ],
)
def test_every_public_page_is_served_from_the_cache(reader, demo, django_assert_num_queries, url):
    first = reader.get(url)
    with django_assert_num_queries(0):
        again = reader.get(url)
    assert again.status_code == first.status_code
    assert again.content == first.content


def test_public_headers_let_shared_caches_keep_pages_and_name_their_tags(reader, demo, settings):
    response = reader.get(BESPONSA_URL)
    control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", "max-age=60", "stale-while-revalidate=60", "stale-if-error=86400"} <= control
    assert f"s-maxage={settings.DRUGREF_SHARED_CACHE_SECONDS}" in control
    assert "Accept-Encoding" in response["Vary"] and "Cookie" not in response.get("Vary", "")
    assert not response.cookies
    article = Article.objects.get(slug=BESPONSA_URL.split("/")[2])
    drug = Drug.objects.get(brand_name="Besponsa")
    tags = set(response[pages.TAG_HEADER].split())
    assert {f"answer-{article.pk}", f"drug-{drug.pk}", f"drug-{drug.pk}-answers", f"url:{BESPONSA_URL}"} <= tags
    assert f"reviewer-{article.reviewer_id}" in tags


def test_a_conditional_get_is_answered_304_without_a_body_or_a_query(reader, demo, django_assert_num_queries):
    first = reader.get(BESPONSA_URL)
    etag = first["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    with django_assert_num_queries(0):
        response = reader.get(BESPONSA_URL, headers={"If-None-Match": etag})
    assert response.status_code == 304 and response.content == b""
    assert response["ETag"] == etag and "public" in response["Cache-Control"]
    assert reader.get(BESPONSA_URL, headers={"If-None-Match": '"something-else"'}).status_code == 200
    assert reader.get(BESPONSA_URL, headers={"If-Modified-Since": first["Last-Modified"]}).status_code == 304


def test_an_etag_changes_when_the_page_does(reader, editor_client, reviewer_client):
    article = publish_new(editor_client, reviewer_client)
    etag = reader.get(article.get_absolute_url())["ETag"]
    revise(editor_client, reviewer_client, article, answer="A better answer.")
    response = reader.get(article.get_absolute_url(), headers={"If-None-Match": etag})
    assert response.status_code == 200 and "A better answer." in response.content.decode()
    assert response["ETag"] != etag


@pytest.mark.parametrize(
    ("accept", "coding", "decompress"), [("gzip", "gzip", gzip.decompress), ("br, gzip", "br", brotli.decompress)]
)
def test_pages_are_compressed_for_clients_that_accept_it(reader, demo, accept, coding, decompress):
    plain = reader.get(BESPONSA_URL).content
    response = reader.get(BESPONSA_URL, headers={"Accept-Encoding": accept})
    assert response["Content-Encoding"] == coding
    assert decompress(response.content) == plain
    assert int(response["Content-Length"]) == len(response.content) < len(plain) / 2
    assert response["ETag"] != reader.get(BESPONSA_URL)["ETag"]  # one strong ETag per representation


def test_compression_happens_once_when_the_page_is_stored(reader, demo, monkeypatch):
    reader.get(BESPONSA_URL)  # stored, compressed
    calls = []
    monkeypatch.setattr(pages.gzip, "compress", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(pages.brotli, "compress", lambda *a, **k: calls.append(a))
    for _ in range(3):
        assert reader.get(BESPONSA_URL, headers={"Accept-Encoding": "gzip, br"})["Content-Encoding"] == "br"
    assert calls == []


def test_signed_in_editors_bypass_the_cache_and_leave_nothing_in_it(
    editor_client, reader, demo, django_assert_num_queries
):
    reader.get(BESPONSA_URL)
    with django_assert_num_queries(5, exact=False):
        response = editor_client.get(BESPONSA_URL)
    assert response.status_code == 200
    # An editor's request does not fill the cache either.
    editor_client.get("/drugs/besponsa/")
    with django_assert_num_queries(5, exact=False):
        reader.get("/drugs/besponsa/")


def test_posts_redirects_and_previews_are_never_stored(reader, editor_client, make_article, db):
    answer = make_article(question="Exact question?")
    assert reader.get("/search/?q=Exact+question%3F").status_code == 302
    assert pages.TAG_HEADER not in reader.get("/search/?q=Exact+question%3F")
    draft = make_article(state=Article.State.DRAFT)
    preview = editor_client.get(f"/admin/monographs/article/{draft.pk}/preview/")
    assert pages.TAG_HEADER not in preview and "no-store" in preview.get("Cache-Control", "no-store")
    assert reader.post(answer.get_absolute_url()).status_code == 405


def test_a_cache_that_is_down_serves_pages_from_the_database(reader, demo, settings):
    # Nothing listens on port 1: every cache call fails at once.
    settings.CACHES = {"default": {"BACKEND": "drugref.redis_cache.Cache", "LOCATION": "redis://127.0.0.1:1/0"}}
    for url in (BESPONSA_URL, "/", "/sitemap.xml", "/sitemap-answers.xml", "/drugs/besponsa/", BESPONSA_URL):
        assert reader.get(url).status_code == 200, url


def test_a_cache_that_is_down_lets_editors_save_and_reviewers_sign_off(editor_client, reviewer_client, settings):
    settings.CACHES = {"default": {"BACKEND": "drugref.redis_cache.Cache", "LOCATION": "redis://127.0.0.1:1/0"}}
    article = publish_new(editor_client, reviewer_client)  # adds, saves and signs off through the admin
    assert article.is_live
    assert editor_client.post(f"{ADMIN}{article.pk}/start-draft/").status_code == 302
    draft = Article.objects.get(pk=article.pk).pending_draft
    assert edit(editor_client, draft, answer="Saved while the cache is down.").status_code == 302


# Exact invalidation: the next anonymous request sees a change; unrelated pages stay cached.


def test_a_sign_off_shows_at_once_and_leaves_unrelated_pages_cached(
    reader, editor_client, reviewer_client, make_article, django_assert_num_queries
):
    article = publish_new(editor_client, reviewer_client)
    unrelated = make_article(question="Something else entirely?")
    warm(reader, article.get_absolute_url())
    warm(reader, unrelated.get_absolute_url())
    editor_client.post(f"{ADMIN}{article.pk}/start-draft/")
    edit(editor_client, article.pending_draft, answer="Take it with food.")
    assert "Take it with food." not in reader.get(article.get_absolute_url()).content.decode()  # not signed yet
    assert sign_off(reviewer_client, article).status_code == 302
    assert "Take it with food." in reader.get(article.get_absolute_url()).content.decode()
    with django_assert_num_queries(0):
        assert reader.get(unrelated.get_absolute_url()).status_code == 200


def test_withdrawing_removes_the_page_and_every_list_and_link_to_it(reader, demo, medical_reviewer, make_article):
    besponsa = Article.objects.get(slug=BESPONSA_URL.split("/")[2])
    linked = besponsa.relatedquestion_links.first().target
    pages_showing_it = ["/", "/medical-answers/", BESPONSA_URL, "/drugs/besponsa/", "/feeds/answers.rss"]
    for url in [linked.get_absolute_url(), *pages_showing_it]:
        warm(reader, url)
    editorial.withdraw(linked, medical_reviewer, "Superseded")
    assert reader.get(linked.get_absolute_url()).status_code == 410
    for url in pages_showing_it:
        assert linked.question not in reader.get(url).content.decode(), url


def test_a_cached_404_turns_200_when_an_answer_is_published_there(reader, editor_client, reviewer_client):
    assert reader.get("/medical-answers/is-it-safe-with-food/").status_code == 404
    assert reader.get("/medical-answers/is-it-safe-with-food/").status_code == 404  # cached
    publish_new(editor_client, reviewer_client, question="Is it safe with food?")
    assert reader.get("/medical-answers/is-it-safe-with-food/").status_code == 200


def test_a_new_slug_moves_the_page_at_once(reader, editor_client, reviewer_client):
    article = publish_new(editor_client, reviewer_client)
    old = article.get_absolute_url()
    warm(reader, old)
    assert reader.get("/medical-answers/safe-with-food/").status_code == 404
    revise(editor_client, reviewer_client, article, slug="safe-with-food")
    moved = reader.get(old)
    assert (moved.status_code, moved["Location"]) == (301, "/medical-answers/safe-with-food/")
    assert reader.get("/medical-answers/safe-with-food/").status_code == 200


def test_related_medical_questions_follow_new_answers_about_the_same_drug(reader, editor_client, reviewer_client, demo):
    warm(reader, BESPONSA_URL)
    drug = Drug.objects.get(brand_name="Besponsa")
    publish_new(editor_client, reviewer_client, question="Can Besponsa be given at home?", drugs=[str(drug.pk)])
    assert "Can Besponsa be given at home?" in reader.get(BESPONSA_URL).content.decode()


@pytest.mark.parametrize(
    ("model", "lookup", "field", "url"),
    [
        (Drug, {"brand_name": "Besponsa"}, "generic_name", "/drugs/besponsa/"),
        (Drug, {"brand_name": "Besponsa"}, "brand_name", BESPONSA_URL),
        (Drug, {"brand_name": "Besponsa"}, "brand_name", "/drugs/"),
        (Condition, {"abbreviation": "ALL"}, "name", "/conditions/acute-lymphoblastic-leukemia/"),
        (Reviewer, {"name": "Judith Stewart"}, "credentials", BESPONSA_URL),
        (SupportGroup, {"slug": "besponsa-support-group"}, "name", BESPONSA_URL),
    ],
)
def test_editing_a_subject_refreshes_the_pages_that_show_it(reader, demo, model, lookup, field, url):
    warm(reader, url)
    obj = model.objects.get(**lookup)
    setattr(obj, field, "Renamed for the test")
    obj.save()
    assert "Renamed for the test" in visible_text(reader.get(url).content.decode())


def test_editing_a_site_page_refreshes_it(reader, db):
    warm(reader, "/about/")
    page = Page.objects.get(slug="about")
    page.body = "We are pharmacists."
    page.save()
    assert "We are pharmacists." in reader.get("/about/").content.decode()


def test_a_drug_gaining_a_condition_refreshes_both_pages(reader, demo):
    drug = Drug.objects.get(brand_name="Besponsa")
    new = Condition.objects.create(name="Something new", slug="something-new")
    warm(reader, "/drugs/besponsa/")
    warm(reader, "/conditions/something-new/")
    drug.conditions.add(new)
    assert "Something new" in reader.get("/drugs/besponsa/").content.decode()
    assert "Besponsa" in visible_text(reader.get("/conditions/something-new/").content.decode())


def _jsonl(tmp_path, *records):
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _record(slug, answer, **extra):
    return {
        "question": f"About {slug}?",
        "slug": slug,
        "answer": answer,
        "state": "published",
        "reviewer": {"name": "Judith Stewart", "credentials": "BPharm"},
        "reviewed_on": "2024-03-12",
        **extra,
    }


def test_an_import_refreshes_what_it_changed_and_nothing_else(reader, tmp_path, db, django_assert_num_queries):
    call_command("import_articles", _jsonl(tmp_path, _record("a", "One."), _record("b", "Two.")), verbosity=0)
    warm(reader, "/medical-answers/a/")
    warm(reader, "/medical-answers/b/")
    call_command("import_articles", _jsonl(tmp_path, _record("a", "One, revised."), _record("b", "Two.")), verbosity=0)
    assert "One, revised." in reader.get("/medical-answers/a/").content.decode()
    with django_assert_num_queries(0):
        reader.get("/medical-answers/b/")
    # Importing the same file again changes nothing and purges nothing.
    call_command("import_articles", _jsonl(tmp_path, _record("a", "One, revised."), _record("b", "Two.")), verbosity=0)
    with django_assert_num_queries(0):
        reader.get("/medical-answers/a/")


def test_undoing_an_import_refreshes_its_pages(reader, tmp_path, db):
    call_command("import_articles", _jsonl(tmp_path, _record("a", "One.")), verbosity=0)
    call_command("import_articles", _jsonl(tmp_path, _record("a", "One, revised.")), verbosity=0)
    warm(reader, "/medical-answers/a/")
    from monographs.models import ImportBatch

    call_command("import_articles", undo=ImportBatch.objects.first().pk, verbosity=0)
    assert "One." in reader.get("/medical-answers/a/").content.decode()
    assert "One, revised." not in reader.get("/medical-answers/a/").content.decode()


def test_a_withdrawn_answer_is_gone_until_it_is_signed_off_again(
    reader, demo, medical_reviewer, django_assert_num_queries, settings
):
    settings.DRUGREF_SAME_PERSON_SIGN_OFF = True  # one reviewer restores and signs off, for brevity
    besponsa = Article.objects.get(slug=BESPONSA_URL.split("/")[2])
    editorial.withdraw(besponsa, medical_reviewer, "Superseded")
    response = reader.get(BESPONSA_URL)
    assert response.status_code == 410
    assert "Answer withdrawn" in response.content.decode() and besponsa.question not in response.content.decode()
    assert "public" in response["Cache-Control"] and f"answer-{besponsa.pk}" in response[pages.TAG_HEADER].split()
    with django_assert_num_queries(0):
        assert reader.get(BESPONSA_URL).status_code == 410  # from the page cache
    assert reader.get("/medical-answers/never-was-an-answer/").status_code == 404

    revision = editorial.restore(besponsa, besponsa.revisions.order_by("-number").first(), medical_reviewer)
    editorial.submit_for_review(besponsa, medical_reviewer)
    editorial.sign_off(besponsa, user=medical_reviewer, revision_number=revision.number)
    assert reader.get(BESPONSA_URL).status_code == 200


def test_a_second_app_server_sharing_the_cache_sees_a_change_made_through_the_first(demo, medical_reviewer, settings):
    """Two WSGI apps with their own state but one cache and database: a purge through one reaches the other."""
    from django.test.client import ClientHandler

    first, second = Client(), Client()
    first.handler, second.handler = ClientHandler(), ClientHandler()
    besponsa = Article.objects.get(slug=BESPONSA_URL.split("/")[2])
    warm(second, BESPONSA_URL)
    editorial.withdraw(besponsa, medical_reviewer, "Superseded")
    assert second.get(BESPONSA_URL).status_code == 410
    assert first.get(BESPONSA_URL).status_code == 410


def test_with_redis_a_purge_reaches_recently_served_pages(reader, demo, medical_reviewer, settings):
    """With a shared cache, each process keeps its recent hits; a purge anywhere makes them check again."""
    import redis

    url = "redis://127.0.0.1:6379/13"
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    settings.CACHES = {"default": {"BACKEND": "drugref.redis_cache.Cache", "LOCATION": url}}
    for _ in range(3):
        assert reader.get(BESPONSA_URL).status_code == 200
    editorial.withdraw(Article.objects.get(slug=BESPONSA_URL.split("/")[2]), medical_reviewer, "Superseded")
    assert reader.get(BESPONSA_URL).status_code == 410


def test_the_redis_cache_reuses_one_client_per_pool(settings):
    from drugref.redis_cache import Cache

    cache = Cache("redis://127.0.0.1:6379/13", {})
    assert cache._cache.get_client() is cache._cache.get_client(write=True)


def test_a_hit_reads_the_generation_from_the_primary_on_a_connection_the_thread_keeps():
    import redis

    from drugref.redis_cache import Cache

    cache = Cache("redis://127.0.0.1:6379/13", {})
    try:
        cache.set("generation-test", "g1")
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    assert cache.get_from_primary("generation-test") == "g1" == cache.get("generation-test")
    assert cache.get_from_primary("no-such-key", "default") == "default"
    kept = cache._cache._local.connection
    cache.get_from_primary("generation-test")
    assert cache._cache._local.connection is kept  # not taken from the pool and given back
    # Redis drops the connection (a restart, an idle timeout): the next read connects again.
    kept.send_command("CLIENT", "ID")
    redis.Redis.from_url("redis://127.0.0.1:6379/13").client_kill_filter(_id=kept.read_response())
    assert cache.get_from_primary("generation-test") == "g1"


def test_a_count_and_a_read_share_one_round_trip_and_a_count_expires():
    import redis

    from drugref.redis_cache import Cache

    cache = Cache("redis://127.0.0.1:6379/13", {})
    try:
        cache.delete_many(["count-test", "count-read-test"])
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    cache.set("count-read-test", "g1")
    assert cache.count_and_get_from_primary("count-test", "count-read-test", 120) == (1, "g1")
    assert cache.count_and_get_from_primary("count-test", "no-such-key", 120) == (2, None)
    assert cache.count("count-test", 120) == 3 == cache.get("count-test")
    raw = redis.Redis.from_url("redis://127.0.0.1:6379/13")
    assert 0 < raw.ttl(cache.make_and_validate_key("count-test")) <= 120  # set by the first count, kept since


def test_a_hit_while_redis_is_down_is_a_miss():
    import redis

    from drugref.redis_cache import Cache

    with pytest.raises(redis.ConnectionError):  # store._guarded turns this into a miss and a back-off
        Cache("redis://127.0.0.1:1/0", {}).get_from_primary("anything")


def test_without_the_page_cache_pages_still_get_etags_304s_and_compression(reader, demo, settings):
    settings.DRUGREF_PAGE_CACHE = False
    first = reader.get(BESPONSA_URL)
    assert reader.get(BESPONSA_URL, headers={"If-None-Match": first["ETag"]}).status_code == 304
    zipped = reader.get(BESPONSA_URL, headers={"Accept-Encoding": "gzip"})
    assert zipped["Content-Encoding"] == "gzip" and gzip.decompress(zipped.content) == first.content
