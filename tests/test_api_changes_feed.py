"""The changes feed, followed as a partner follows it, holds exactly the live answers after any sequence of changes.

Hypothesis drives the editorial admin (new answers signed off, edits, new
addresses, withdrawals, restores) and imports; after each step a partner
reads the feed on from its last cursor through the API and applies it to its
copy, which must equal the live answers: each one's id, address and the
revision readers see.
"""

import itertools
import json
import os

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from monographs import editorial
from monographs.models import Article, SignOff
from monographs.partners import ApiKey, Partner

from .test_editorial import publish_new, sign_off

pytestmark = pytest.mark.django_db

PROFILES = {
    "ci": hypothesis_settings(max_examples=8, stateful_step_count=10),
    "nightly": hypothesis_settings(max_examples=100, stateful_step_count=30),
}
_numbers = itertools.count(1)


def live_set() -> dict[int, tuple[str, int]]:
    """What readers see: each live answer's address and the revision signed off last."""
    revisions = {}
    for article_id, number in SignOff.objects.order_by("signed_at", "pk").values_list("article_id", "revision__number"):
        revisions[article_id] = number  # the last one wins
    return {pk: (slug, revisions.get(pk)) for pk, slug in Article.objects.live().values_list("pk", "slug")}


class FollowTheFeed(RuleBasedStateMachine):
    clients = partner = editor = tmp_path = None
    compared = 0  # live answers compared with the partner's copy, over every step

    def __init__(self):
        super().__init__()
        # Each example starts from the same database: what it changes is rolled back in teardown.
        self.example = transaction.atomic()
        self.example.__enter__()
        self.copy, self.next = {}, "/api/v1/changes/?after=0&limit=7"  # small pages: the cursor is exercised

    def teardown(self):
        transaction.set_rollback(True)
        self.example.__exit__(None, None, None)

    def follow(self):
        while True:
            response = self.partner.get(self.next)
            assert response.status_code == 200, response.content[:300]
            page = response.json()
            for change in page["results"]:
                if change["kind"] == "withdrawn":
                    self.copy.pop(change["answer_id"], None)
                else:
                    self.copy[change["answer_id"]] = (change["slug"], change["revision"])
            self.next = page["next"].removeprefix("http://testserver")
            if not page["results"]:
                return

    def _live(self):
        return list(Article.objects.live().order_by("pk"))

    def _withdrawn(self):
        return list(Article.objects.canonical().filter(state=Article.State.WITHDRAWN).order_by("pk"))

    @rule()
    def publish_a_new_answer(self):
        editor_client, reviewer_client = self.clients
        publish_new(editor_client, reviewer_client, question=f"Feed question {next(_numbers)}?")

    @precondition(lambda self: self._live())
    @rule(data=st.data(), new_address=st.booleans())
    def change_a_live_answer(self, data, new_address):
        editor_client, reviewer_client = self.clients
        article = data.draw(st.sampled_from(self._live()))
        editor_client.post(f"/admin/monographs/article/{article.pk}/start-draft/")
        from .test_editorial import edit

        fields = {"slug": f"moved-{next(_numbers)}"} if new_address else {"answer": f"Changed {next(_numbers)}."}
        assert edit(editor_client, Article.objects.get(pk=article.pk).pending_draft, **fields).status_code == 302
        assert sign_off(reviewer_client, article).status_code == 302

    @precondition(lambda self: self._live())
    @rule(data=st.data())
    def withdraw(self, data):
        editorial.withdraw(data.draw(st.sampled_from(self._live())), self.reviewer, "Superseded")

    @precondition(lambda self: self._withdrawn())
    @rule(data=st.data())
    def restore(self, data):
        article = data.draw(st.sampled_from(self._withdrawn()))
        signed = article.revisions.filter(sign_off__isnull=False).order_by("-number").first()
        editorial.restore(article, signed, self.editor)
        assert sign_off(self.clients[1], article).status_code == 302

    @rule(data=st.data())
    def import_answers(self, data):
        """An import publishes a new answer, and may change a live one (or unpublish it as a draft)."""
        records = [self._record(f"imported-{next(_numbers)}", "published")]
        live = self._live()
        if live:
            article = data.draw(st.sampled_from(live))
            state = data.draw(st.sampled_from(["published", "draft"]))
            records.append(self._record(article.slug, state, question=article.question))
        path = self.tmp_path / f"batch-{next(_numbers)}.jsonl"
        path.write_text("".join(json.dumps(record) + "\n" for record in records))
        call_command("import_articles", str(path), "--on-draft", "merge", verbosity=0)

    @staticmethod
    def _record(slug, state, question=None):
        record = {"slug": slug, "question": question or f"Imported {slug}?", "answer": f"Imported {next(_numbers)}."}
        record["state"] = state
        if state == "published":
            record |= {"reviewer": {"name": "Rita Reviewer", "credentials": "PharmD"}, "reviewed_on": "2024-03-12"}
        return record

    @invariant()
    def the_partners_copy_is_the_live_set(self):
        self.follow()
        live = live_set()
        assert self.copy == live
        FollowTheFeed.compared += len(live)


def test_a_partner_following_the_feed_holds_exactly_the_live_answers(
    editor, medical_reviewer, editor_client, reviewer_client, tmp_path, settings
):
    settings.DRUGREF_API_REQUESTS_PER_MINUTE = 1_000_000  # the partner polls after every step
    _, key = ApiKey.issue(Partner.objects.create(name="Follower"))
    FollowTheFeed.partner = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    FollowTheFeed.clients = (editor_client, reviewer_client)
    FollowTheFeed.editor, FollowTheFeed.reviewer, FollowTheFeed.tmp_path = editor, medical_reviewer, tmp_path
    profile = PROFILES[os.environ.get("DRUGREF_HYPOTHESIS_PROFILE", "ci")]
    run_state_machine_as_test(
        FollowTheFeed,
        settings=hypothesis_settings(profile, deadline=None, suppress_health_check=list(HealthCheck), print_blob=True),
    )
    assert FollowTheFeed.compared > 0  # the copy was compared with live answers, not only with none
