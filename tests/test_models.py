"""The domain rules: what is live, what may be published, what is stored."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from monographs import answer_page
from monographs.models import Article, ReadNext, RelatedQuestion
from monographs.slugs import SLUG_MAX_LENGTH, slug_for

pytestmark = pytest.mark.django_db


def test_live_holds_only_published_answers(make_article):
    published = make_article()
    for state in (Article.State.DRAFT, Article.State.IN_REVIEW, Article.State.WITHDRAWN):
        make_article(state=state)
    assert list(Article.objects.live()) == [published]


def test_a_published_answer_must_name_a_reviewer_and_date(make_article):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_article(reviewer=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_article(reviewed_on=None)


def test_a_bulk_update_cannot_publish_an_unreviewed_draft(make_article):
    draft = make_article(state=Article.State.DRAFT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=draft.pk).update(state=Article.State.PUBLISHED)


def test_answer_html_is_rendered_and_sanitised_on_save(make_article):
    article = make_article(answer="**Bold** <script>alert(1)</script>\n\n[bad](javascript:alert(1))")
    assert "<strong>Bold</strong>" in article.answer_html
    assert "<script" not in article.answer_html
    assert "javascript:" not in article.answer_html
    article.answer = "New *text*"
    article.save(update_fields=["answer"])
    article.refresh_from_db()
    assert article.answer_html == "<p>New <em>text</em></p>"


def test_absolute_url_is_under_medical_answers(make_article):
    assert make_article(slug="what-is-x").get_absolute_url() == "/medical-answers/what-is-x/"


def test_links_cannot_point_to_the_answer_itself_or_repeat(make_article):
    article, other = make_article(), make_article()
    with pytest.raises(IntegrityError), transaction.atomic():
        RelatedQuestion.objects.create(source=article, target=article)
    ReadNext.objects.create(source=article, target=other)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReadNext.objects.create(source=article, target=other)


def test_related_questions_are_in_position_order_and_only_live(make_article):
    article = make_article()
    second, first = make_article(), make_article()
    draft = make_article(state=Article.State.DRAFT)
    RelatedQuestion.objects.create(source=article, target=second, position=2)
    RelatedQuestion.objects.create(source=article, target=first, position=1)
    RelatedQuestion.objects.create(source=article, target=draft, position=0)
    page = answer_page.load(article)
    assert page.related_questions == [first, second]


def test_latest_is_by_review_date(make_article):
    make_article(reviewed_on=date(2023, 1, 1))
    newest = make_article(reviewed_on=date(2024, 5, 1))
    assert Article.objects.latest() == newest


def test_slugs_are_cut_at_a_word_boundary():
    slug = slug_for("word " * 100)
    assert len(slug) <= SLUG_MAX_LENGTH
    assert slug.endswith("word")
    assert slug_for("How does Besponsa work to treat Acute Lymphoblastic Leukemia (ALL)?") == (
        "how-does-besponsa-work-to-treat-acute-lymphoblastic-leukemia-all"
    )
