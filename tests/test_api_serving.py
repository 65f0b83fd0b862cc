"""The content API on real servers: two gunicorn app servers on one PostgreSQL and one Redis.

A key's limit a minute is one count across both; a revoked key is refused by
both at once, though both remember it; a change signed off in this process
reaches the API bodies both servers keep. Needs what test_serving.py
needs (CI sets SERVING_TESTS=required).
"""

import json

import pytest
from django.db import connection

from bench import stack
from monographs import editorial
from monographs.models import Article
from monographs.partners import ApiKey, Partner

from .support import BESPONSA_URL, http_get
from .test_serving import REDIS_URL, _app_server_environment

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="serving tests need PostgreSQL (DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]
LIMIT = 6
ANSWER = f"/api/v1/answers/{BESPONSA_URL.split('/')[2]}/"


@pytest.fixture
def app_servers(settings):
    env = _app_server_environment(settings) | {"DRUGREF_API_REQUESTS_PER_MINUTE": str(LIMIT)}
    started = []
    try:
        for _ in range(2):
            started.append(stack.gunicorn(stack.free_port(), env))
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
        settings.DRUGREF_PAGE_CACHE = True
        yield [process.base_url for process in started]
    finally:
        for process in started:
            stack.stop(process)


def test_a_keys_limit_is_counted_across_app_servers(app_servers):
    _, key = ApiKey.issue(Partner.objects.create(name="Busy partner"))
    headers = {"Authorization": f"Api-Key {key}"}
    statuses = [http_get(app_servers[n % 2] + "/api/v1/changes/", **headers)[0] for n in range(LIMIT + 2)]
    assert statuses == [200] * LIMIT + [429, 429]  # half on each server: one count
    status, response_headers, body = http_get(app_servers[0] + "/api/v1/changes/", **headers)
    assert status == 429 and 1 <= int(response_headers["Retry-After"]) <= 60
    assert json.loads(body)["error"]["code"] == "rate_limited"
    _, other = ApiKey.issue(Partner.objects.create(name="Quiet partner"))
    assert http_get(app_servers[1] + "/api/v1/changes/", Authorization=f"Api-Key {other}")[0] == 200


def test_a_key_both_servers_remember_is_refused_by_both_once_revoked(app_servers):
    issued, key = ApiKey.issue(Partner.objects.create(name="Former partner"))
    headers = {"Authorization": f"Api-Key {key}"}
    for base in app_servers * 2:  # the second round is answered from each server's memory of the key
        assert http_get(base + ANSWER, **headers)[0] == 200
    issued.revoke()
    for base in app_servers:
        status, _, body = http_get(base + ANSWER, **headers)
        assert status == 403 and json.loads(body)["error"]["code"] == "key_revoked"
    issued.refresh_from_db()
    assert issued.last_used_at is not None  # its minute's first request was recorded


def test_both_servers_drop_their_kept_answer_when_it_is_withdrawn(app_servers):
    _, key = ApiKey.issue(Partner.objects.create(name="Mirror"))
    headers = {"Authorization": f"Api-Key {key}"}
    for base in app_servers * 2:  # rendered, then kept in the shared cache
        status, response_headers, _ = http_get(base + ANSWER, **headers)
        assert status == 200 and response_headers["ETag"]
    user = editorial_reviewer()
    editorial.withdraw(Article.objects.get(slug=ANSWER.split("/")[4]), user, "Superseded")
    for base in app_servers:
        status, _, body = http_get(base + ANSWER, **headers)
        assert status == 410 and json.loads(body)["error"]["code"] == "withdrawn"
    _, reader = ApiKey.issue(Partner.objects.get(name="Mirror"))  # a second key: the first has used its minute
    feed = http_get(app_servers[0] + "/api/v1/changes/?limit=1000", Authorization=f"Api-Key {reader}")[2]
    kinds = [c["kind"] for c in json.loads(feed)["results"]]
    assert kinds[-1] == "withdrawn"


def editorial_reviewer():
    from django.contrib.auth.models import User

    return User.objects.create_superuser("pharmacist", password="pw")
