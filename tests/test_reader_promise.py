"""The promise to readers, on every path: a public address shows exactly what a reviewer signed off, now.

A Hypothesis state machine drives random sequences of what editors, reviewers,
content teams and outages do (saves with and without a new address, save and
submit, requests for changes, sign-offs one at a time and confirmed in bulk,
withdrawals, go-lives and take-downs scheduled ahead and their time passing,
bringing an answer back, imports over answers with and without
pending drafts, undoing them, the page cache pausing and coming back, the
front cache becoming unreachable for purges and reachable again), through the
admin's pages and the import command. Readers are served by two app instances
sharing one page cache in a Redis of the test's own (each instance with its own
memory of recent entries and of cache failures, as two processes have), and by
a real Varnish with drugref's VCL in front of a live server, purged by tag
through a network path the test can break. After every step it checks, for
every answer and every address a reader was ever served it at:

- a live answer's address shows exactly its last signed-off revision (question
  and answer), and every address it was served at is that page or a 301 to it:
  never a 404 while it is live;
- an answer that is not live is a 410 (withdrawn) or a 404, never a page;
- the page a reader gets from the cache is the page the app renders now;
- the page Varnish serves is the page the app renders now, unless a purge is
  still undelivered to it, and then the admin says so;
- every text an editor saved is in a revision of the answer.

CI runs a few examples on SQLite and on PostgreSQL; DRUGREF_HYPOTHESIS_PROFILE=nightly
runs many more (see README, "Test it"). Without Debian's varnish and varnish-modules
the front cache is left out, unless SERVING_TESTS=required (as in CI), which fails instead.
"""

import itertools
import json
import os
import re
import shutil
from contextlib import contextmanager, suppress
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from bench import stack
from monographs import editorial
from monographs.caching import outbox, store
from monographs.models import Article, ImportBatch, PendingPurge, Reviewer, Revision, ScheduledChange, SignOff
from monographs.roles import sync_groups

from .support import HttpSession, OwnRedis, collapse, form_values, visible_text

pytestmark = pytest.mark.django_db(transaction=True)

ADMIN = "/admin/monographs/article/"
PROFILES = {
    "ci": settings(max_examples=10, stateful_step_count=20),
    "nightly": settings(max_examples=150, stateful_step_count=40),
}
WORDS = st.lists(st.sampled_from(["infusion", "liver", "dose", "weekly", "with food", "rarely", "nausea"]), min_size=2)
_numbers = itertools.count(1)


class Instance:
    """One app server's own memory: its recent page-cache entries and when it last saw the cache fail."""

    def __init__(self):
        self.recent, self.down_until = store._Recent(), 0.0

    @contextmanager
    def serving(self):
        saved = store._recent, store._down_until
        store._recent, store._down_until = self.recent, self.down_until
        try:
            yield
        finally:
            self.recent, self.down_until = store._recent, store._down_until
            store._recent, store._down_until = saved


def _client(user=None, **cookies):
    client = Client()
    if user is not None:
        client.force_login(user)
    for name, value in cookies.items():
        client.cookies[name] = value
    return client


class ReaderPromise(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.run = next(_numbers)
        self.staff, self.readers = Instance(), [Instance(), Instance()]
        self.editor = _client(User.objects.get(username="eddie"))
        self.reviewers = [_client(User.objects.get(username=name)) for name in ("rita", "sam")]
        self.reader = _client()
        # A signed-in session is never served from the page cache: what the app renders now.
        self.fresh = _client(**{"sessionid": "not-a-session"})
        self.answers = []  # canonical ids made in this run
        self.saved = {}  # id -> every answer text an editor saved
        self.served = {}  # id -> addresses a reader got the answer at
        self.batches = []
        self.paused = False
        self.front_down = False
        store.clear_backoff()

    # Helpers

    def pick(self, index) -> Article:
        return Article.objects.get(pk=self.answers[index % len(self.answers)])

    def as_staff(self, client, method, path, data=None):
        with self.staff.serving():
            return getattr(client, method)(path, data) if data is not None else getattr(client, method)(path)

    def save_form(self, article, answer, slug=None, press="_save", later=False):
        page = self.as_staff(self.editor, "get", f"{ADMIN}{article.pk}/change/").content.decode()
        data = form_values(page, "article_form") | {"answer": [answer], press: ["1"]}
        if slug:
            data["slug"] = [slug]
        if later:  # to go live in an hour, once signed off
            when = timezone.localtime(timezone.now() + timedelta(hours=1))
            data |= {"publish_at_0": [f"{when:%Y-%m-%d}"], "publish_at_1": [f"{when:%H:%M:%S}"]}
        response = self.as_staff(self.editor, "post", f"{ADMIN}{article.pk}/change/", data)
        if response.status_code == 302:
            self.saved.setdefault(article.canonical_pk, []).append(answer)
        return response

    # What editors, reviewers and content teams do

    @rule(words=WORDS)
    def create(self, words):
        number = next(_numbers)
        question = f"Run {self.run} question {number}: is it {' '.join(words[:2])}?"
        slug = f"run-{self.run}-question-{number}"
        page = self.as_staff(self.editor, "get", f"{ADMIN}add/").content.decode()
        answer = f"It is {' '.join(words)}."
        data = form_values(page, "article_form") | {"question": [question], "slug": [slug], "answer": [answer]}
        data |= {"sources-0-title": ["Prescribing information"]}  # a reviewer signs off only what cites a source
        assert self.as_staff(self.editor, "post", f"{ADMIN}add/", data).status_code == 302
        pk = Article.objects.canonical().get(slug=slug).pk
        self.answers.append(pk)
        self.saved[pk] = [answer]

    @precondition(lambda self: self.answers)
    @rule(index=st.integers(0, 20), words=WORDS, new_address=st.booleans(), submit=st.booleans(), later=st.booleans())
    def edit(self, index, words, new_address, submit, later):
        article = self.pick(index)
        if editorial.changes_through_a_draft(article):
            self.as_staff(self.editor, "post", f"{ADMIN}{article.pk}/start-draft/", {})
        draft = editorial.working_copy(Article.objects.get(pk=article.pk))
        slug = f"{article.slug.split('--')[0]}--{next(_numbers)}" if new_address else None
        press = "_submit_for_review" if submit else "_save"
        assert self.save_form(draft, f"Now {' '.join(words)}.", slug, press, later).status_code in (200, 302)

    @precondition(lambda self: self.answers)
    @rule(index=st.integers(0, 20))
    def submit(self, index):
        self.as_staff(self.editor, "post", f"{ADMIN}{self.pick(index).pk}/submit/", {})

    @precondition(lambda self: self.answers)
    @rule(index=st.integers(0, 20), who=st.integers(0, 1))
    def request_changes(self, index, who):
        article = self.pick(index)
        latest = editorial.latest_revision(article)
        data = {"revision": latest.number, "comment": "Say more.", "request_changes": "1"}
        self.as_staff(self.reviewers[who], "post", f"{ADMIN}{article.pk}/sign-off/", data)

    @precondition(lambda self: self.answers)
    @rule(index=st.integers(0, 20), who=st.integers(0, 1))
    def sign_off(self, index, who):
        article = self.pick(index)
        page = self.as_staff(self.reviewers[who], "get", f"{ADMIN}{article.pk}/sign-off/").content.decode()
        shown = re.search(r'name="revision" value="(\d+)"', page)
        if shown:  # the page offers a sign-off: sign exactly the revision it showed
            self.as_staff(self.reviewers[who], "post", f"{ADMIN}{article.pk}/sign-off/", {"revision": shown[1]})

    @precondition(lambda self: self.answers)
    @rule(who=st.integers(0, 1))
    def sign_off_in_bulk(self, who):
        chosen = {"action": "review_and_sign_off", "_selected_action": self.answers}
        page = self.as_staff(self.reviewers[who], "post", ADMIN, chosen).content.decode()
        ticks = re.findall(r'name="sign" value="(\d+:\d+)"', page)
        self.as_staff(self.reviewers[who], "post", ADMIN, chosen | {"confirm": "yes", "sign": ticks})

    @precondition(lambda self: self.answers)
    @rule(index=st.integers(0, 20))
    def withdraw(self, index):
        data = {"action": "withdraw", "_selected_action": [self.pick(index).pk], "confirm": "yes", "reason": "Old."}
        self.as_staff(self.reviewers[0], "post", ADMIN, data)

    @precondition(lambda self: self.answers)
    @rule(index=st.integers(0, 20))
    def withdraw_later(self, index):
        at = timezone.localtime(timezone.now() + timedelta(hours=1))
        data = {
            "action": "withdraw",
            "_selected_action": [self.pick(index).pk],
            "confirm": "yes",
            "reason": "Superseded.",
            "take_down_at": f"{at:%Y-%m-%dT%H:%M}",
        }
        self.as_staff(self.reviewers[1], "post", ADMIN, data)

    @precondition(lambda self: self.answers)
    @rule(on_read=st.booleans())
    def scheduled_times_pass(self, on_read):
        """The clock reaches every scheduled change: a reader's request or an app server's thread carries them out."""
        ScheduledChange.objects.update(at=timezone.now() - timedelta(seconds=1))
        if on_read:
            with self.readers[0].serving():
                self.reader.get(f"/medical-answers/nothing-{next(_numbers)}/")  # any page not in the cache does it
        else:
            with self.staff.serving():
                editorial.carry_out_schedules()
        with self.staff.serving():
            outbox.deliver()

    @precondition(lambda self: self.answers)
    @rule(index=st.integers(0, 20))
    def bring_back(self, index):
        article = self.pick(index)
        latest = editorial.latest_revision(article)
        if article.state == Article.State.WITHDRAWN and latest:
            self.as_staff(self.editor, "post", f"{ADMIN}{article.pk}/revisions/{latest.number}/restore/", {})

    @precondition(lambda self: self.answers)
    @rule(index=st.integers(0, 20), words=WORDS)
    def import_change(self, index, words):
        article = self.pick(index)
        record = {
            "kind": "article",
            "slug": article.slug,
            "question": article.question,
            "answer": f"Imported: {' '.join(words)}.",
            "state": "published",
            "reviewer": {"name": "Ann Lee", "credentials": "PharmD"},
            "reviewed_on": "2024-03-12",
        }
        path = self.directory / f"import-{next(_numbers)}.jsonl"
        path.write_text(json.dumps(record) + "\n")
        with self.staff.serving():
            call_command("import_articles", str(path), stdout=StringIO(), stderr=StringIO())
        batch = ImportBatch.objects.order_by("-pk").first()
        if batch and batch.pk not in self.batches:
            self.batches.append(batch.pk)

    @precondition(lambda self: self.batches)
    @rule()
    def undo_last_import(self):
        # Refused when later edits would be lost: then nothing changed.
        with self.staff.serving(), suppress(CommandError):
            call_command("import_articles", undo=self.batches.pop(), stdout=StringIO(), stderr=StringIO())

    @precondition(lambda self: not self.paused)
    @rule()
    def pause_the_page_cache(self):
        self.redis.pause()
        self.paused = True

    @precondition(lambda self: self.paused)
    @rule()
    def page_cache_back(self):
        self.redis.resume()
        self.paused = False
        # The app servers never stop retrying: what is due is delivered, as their delivery threads do.
        for instance in (self.staff, *self.readers):
            instance.down_until = 0.0
        PendingPurge.objects.update(next_attempt_at=timezone.now())
        with self.staff.serving():
            outbox.deliver()

    @precondition(lambda self: self.front is not None and not self.front_down)
    @rule()
    def front_cache_unreachable(self):
        self.front.purge_path.down()
        self.front_down = True

    @precondition(lambda self: self.front_down)
    @rule()
    def front_cache_back(self):
        self.front.purge_path.up()
        self.front_down = False
        # As the app servers' delivery threads do within a few seconds (the backoff's ceiling).
        PendingPurge.objects.update(next_attempt_at=timezone.now())
        with self.staff.serving():
            outbox.deliver()
        if not self.paused:  # (with the page cache paused, purges wait for it: front caches come second)
            assert not self.waiting_for_the_front_cache(), "a purge was not delivered to the front cache once back"

    def teardown(self):
        ReaderPromise.signed_off += SignOff.objects.exclude(signed_by=None).count()  # by reviewers, not imports
        if self.paused:
            self.redis.resume()
        if self.front_down:
            self.front.purge_path.up()

    # What readers must see

    def get(self, instance, client, path):
        with instance.serving():
            response = client.get(path)
        return response.status_code, response.get("Location"), response.content

    @invariant()
    def readers_see_exactly_what_was_signed_off(self):
        for pk in self.answers:
            article = Article.objects.get(pk=pk)
            addresses = {f"/medical-answers/{article.slug}/", *self.served.get(pk, ())}
            live_url = article.get_absolute_url() if article.is_live else None
            signed = article.sign_offs.select_related("revision").first() if live_url else None
            for path in sorted(addresses):
                for instance in self.readers:
                    seen = self.get(instance, self.reader, path)
                    assert seen == self.get(instance, self.fresh, path), f"{path}: the cache holds another page"
                    status, location, body = seen
                    if live_url is None:
                        expected = {410} if article.state == Article.State.WITHDRAWN else {404, 410}
                        assert status in expected, f"{path}: {status} for an answer that is not live"
                    elif path == live_url:
                        assert status == 200, f"{path}: {status} for a live answer"
                        text = collapse(visible_text(body.decode()))
                        content = signed.revision.content
                        assert collapse(content["question"]) in text
                        assert collapse(Article.text_for(Article.html_for(content["answer"]))) in text
                        self.served.setdefault(pk, set()).add(path)
                    else:
                        assert (status, location) == (301, live_url), f"{path}: {status} while the answer is live"
                if self.front is not None:
                    self.front_cache_shows(path, seen)

    def waiting_for_the_front_cache(self):
        return any(
            self.front.purge_path.url in targets for targets in PendingPurge.objects.values_list("targets", flat=True)
        )

    def front_cache_shows(self, path, rendered_now):
        """Varnish serves what the app renders now, unless a purge to it is undelivered: then the admin says so."""
        with self.readers[0].serving():
            status, headers, body = self.front.get(path)
        if (status, headers.get("Location"), body) == rendered_now:
            return
        assert self.waiting_for_the_front_cache(), f"{path}: Varnish serves a {status}, not what the app renders now"
        admin = self.as_staff(self.editor, "get", ADMIN).content.decode()
        assert "not yet purged from" in admin and self.front.purge_path.url in admin, "the admin hides the backlog"

    @invariant()
    def no_saved_text_is_lost(self):
        for pk, texts in self.saved.items():
            kept = {r.content.get("answer") for r in Revision.objects.filter(article_id=pk)}
            assert set(texts) <= kept


class FrontCache:
    """Varnish with drugref's VCL in front of `backend_url`, and the network path purges take to it."""

    def __init__(self, backend_url):
        port = stack.free_port()
        self.process = stack.varnish(port, backend_port=int(backend_url.rsplit(":", 1)[1]))
        self.reader = HttpSession(f"http://127.0.0.1:{port}")
        self.purge_path = stack.Relay(port)
        self.purge_path.up()

    def get(self, path):
        """Return (status, headers, body) as a reader gets `path` from Varnish, redirects not followed."""
        import urllib.error
        import urllib.request

        # The test client's host name, so that the pages' absolute links are the same.
        request = urllib.request.Request(self.reader.base_url + path, headers={"Host": "testserver"})
        try:
            with self.reader.opener.open(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def stop(self):
        self.purge_path.down()
        stack.stop(self.process)


def _front_cache(live_server):
    """A FrontCache before the live server, or None where Varnish is not installed (a failure if it must be)."""
    if shutil.which("varnishd") or os.path.exists("/usr/sbin/varnishd"):
        return FrontCache(live_server.url)
    if os.environ.get("SERVING_TESTS") == "required":
        pytest.fail("varnishd is not installed (SERVING_TESTS=required)")
    return None


@pytest.fixture
def promise(tmp_path, settings, live_server):
    """Staff in their groups, a page cache in a Redis of the test's own, Varnish, and where imports are written."""
    sync_groups(Group, Permission)
    editor = User.objects.create_user("eddie", password="pw", first_name="Eddie", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    for name in ("rita", "sam"):
        user = User.objects.create_user(name, password="pw", first_name=name.title(), is_staff=True)
        user.groups.add(Group.objects.get(name="Medical reviewers"))
        Reviewer.objects.create(name=f"{name.title()} Reviewer", credentials="PharmD", slug=f"{name}-r", user=user)
    redis = OwnRedis()
    settings.CACHES = redis.page_cache(timeout=0.2)
    settings.DRUGREF_PAGE_CACHE = True
    front = _front_cache(live_server)
    if front is not None:
        settings.DRUGREF_FRONT_CACHE_PURGE = "xkey"
        settings.DRUGREF_FRONT_CACHE_URLS = [front.purge_path.url]
    ReaderPromise.redis, ReaderPromise.directory, ReaderPromise.front = redis, tmp_path, front
    ReaderPromise.signed_off = 0
    yield ReaderPromise
    if front is not None:
        front.stop()
    redis.stop()
    store.clear_backoff()


def test_readers_see_exactly_what_was_signed_off_on_every_path(promise):
    profile = PROFILES[os.environ.get("DRUGREF_HYPOTHESIS_PROFILE", "ci")]
    run_state_machine_as_test(
        promise,
        settings=settings(
            profile, deadline=None, suppress_health_check=list(HealthCheck), print_blob=True, report_multiple_bugs=False
        ),
    )
    # The promise was tried on live answers, not only on drafts a sign-off rule kept back.
    assert promise.signed_off > 0
