import os
import shutil
from datetime import date

import pytest
from django.conf import settings
from django.core.management import call_command

from monographs.models import Article, Condition, Drug, Reviewer

# Commands the tests start read the environment each test gives them, never a developer's own .env.
os.environ["DRUGREF_ENV_FILE"] = ""


@pytest.fixture(scope="session", autouse=True)
def collected_static(tmp_path_factory):
    """Collect static files once, as a deployment does, so hashed names resolve."""
    settings.STATIC_ROOT = tmp_path_factory.mktemp("static")
    call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Start every test with an empty cache, as after a deploy; the local-memory cache outlives tests."""
    from django.core.cache import caches

    from monographs.caching import store

    caches[settings.DRUGREF_PAGE_CACHE_ALIAS].clear()
    store.clear_backoff()


@pytest.fixture(autouse=True)
def mail_sent_inline(monkeypatch):
    """Review e-mails go out at once, so tests read them in mail.outbox (test_reports.py tests the mail thread)."""
    from monographs import notifications

    monkeypatch.setattr(notifications, "_in_background", lambda job: job())


@pytest.fixture
def reviewer(db):
    reviewer, _ = Reviewer.objects.get_or_create(
        name="Judith Stewart", credentials="BPharm", defaults={"slug": "judith-stewart"}
    )
    return reviewer


@pytest.fixture
def make_article(db, reviewer):
    """Return a factory for articles; published and reviewed unless told otherwise."""
    counter = iter(range(1, 10_000))

    def make(**fields):
        n = next(counter)
        fields.setdefault("question", f"Question number {n}?")
        fields.setdefault("slug", f"question-number-{n}")
        fields.setdefault("answer", f"Answer number {n}.")
        # A source, as every answer a reviewer signs off needs (settings.DRUGREF_SIGN_OFF_NEEDS_SOURCE).
        fields.setdefault("sources", [{"title": "Prescribing information"}])
        fields.setdefault("state", Article.State.PUBLISHED)
        if fields["state"] == Article.State.PUBLISHED:
            fields.setdefault("reviewer", reviewer)
            fields.setdefault("reviewed_on", date(2024, 3, 12))
        return Article.objects.create(**fields)

    return make


@pytest.fixture
def demo(db):
    """The demo content: the Besponsa answer and the pages it links to."""
    call_command("load_demo", verbosity=0)


@pytest.fixture
def drug(db):
    return Drug.objects.create(brand_name="Besponsa", generic_name="inotuzumab ozogamicin", slug="besponsa")


@pytest.fixture
def condition(db):
    return Condition.objects.create(name="Acute Lymphoblastic Leukemia", abbreviation="ALL", slug="all")


@pytest.fixture
def editor(db):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user("eddie", password="pw", first_name="Eddie", last_name="Editor", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def medical_reviewer(db):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user("rita", password="pw", first_name="Rita", last_name="Reviewer", is_staff=True)
    user.groups.add(Group.objects.get(name="Medical reviewers"))
    Reviewer.objects.create(name="Rita Reviewer", credentials="PharmD", slug="rita-reviewer", user=user)
    return user


@pytest.fixture
def with_email(editor, medical_reviewer):
    """The editor and the medical reviewer have e-mail addresses, so review steps reach them."""
    for user, address in ((editor, "eddie@example.org"), (medical_reviewer, "rita@example.org")):
        user.email = address
        user.save()


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def reviewer_client(db, medical_reviewer):
    from django.test import Client

    client = Client()
    client.force_login(medical_reviewer)
    return client


@pytest.fixture
def reader(db):
    """A reader's browser: not logged in, whoever else is."""
    from django.test import Client

    return Client()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def require(tool, message):
    """Return `tool` if it is there; otherwise skip, or fail where BROWSER_TESTS=required (CI)."""
    if tool:
        return tool
    if os.environ.get("BROWSER_TESTS") == "required":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def browser():
    """Start headless Chromium; CI sets BROWSER_TESTS=required so a missing one fails.

    Every browser test also fails if the page broke the Content-Security-Policy
    (an inline script or style, say), as Chromium reports it in its console.
    """
    require(
        CHROMIUM and CHROMEDRIVER,
        "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
    )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=360,800",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
        console = driver.get_log("browser")
    finally:
        driver.quit()
    violations = [entry["message"] for entry in console if "Content Security Policy" in entry["message"]]
    assert violations == [], "the page broke the Content-Security-Policy"


@pytest.fixture
def demo_site(transactional_db, live_server):
    """A live server with the demo content; returns its base URL."""
    call_command("load_demo", verbosity=0)
    return live_server.url


@pytest.fixture(scope="session")
def live_server():
    """pytest-django's live server, but with /static/ served by WhiteNoise, as in production."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("localhost", start=False)
    server.thread.static_handler = lambda handler: handler
    server.start()
    yield server
    server.stop()
