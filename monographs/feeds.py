"""RSS and Atom feeds of the latest answers, site-wide and per drug."""

from datetime import datetime, time

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, strip_tags

from .caching import pages
from .caching import tags as cache_tags
from .models import Article, Drug

FEED_LENGTH = 20


def without_markup(text: str) -> str:
    """Return `text` with nothing a feed reader could take for HTML: some read RSS titles as text, some as HTML.

    Tags are dropped and any angle bracket left becomes a single angle quotation mark, which reads the same.
    """
    return strip_tags(text).replace("<", "‹").replace(">", "›")


class LatestAnswersRss(Feed):
    title = "drugref: latest medical answers"
    description = "Answers to drug questions, newly written or medically reviewed again by pharmacists."

    def __call__(self, request, *args, **kwargs):
        # Feeds list the newest sign-offs: every sign-off and withdrawal purges them.
        pages.shows(request, {cache_tags.LATEST_ANSWERS})
        return super().__call__(request, *args, **kwargs)

    def link(self):
        return reverse("monographs:home")

    def items(self):
        return self.answers().select_related("reviewer")[:FEED_LENGTH]

    def answers(self):
        return Article.objects.live().order_by("-reviewed_on", "question")

    def item_title(self, article):
        if self.feed_type is Atom1Feed:
            return article.question  # Atom titles are text (type="text" by default): escaped once, shown as typed
        return without_markup(article.question)

    def item_description(self, article):
        # Feed readers show a description as HTML: send the summary as text, escaped, never as markup.
        return escape(article.summary)

    def item_author_name(self, article):
        return str(article.reviewer)

    def item_pubdate(self, article):
        return timezone.make_aware(datetime.combine(article.reviewed_on, time()))

    item_updateddate = item_pubdate


class LatestAnswersAtom(LatestAnswersRss):
    feed_type = Atom1Feed
    subtitle = LatestAnswersRss.description


class DrugAnswersRss(LatestAnswersRss):
    def get_object(self, request, slug):
        drug = get_object_or_404(Drug, slug=slug)
        pages.shows(request, {cache_tags.for_object(drug), cache_tags.answers_about("drug", drug.pk)})
        return drug

    def title(self, drug):
        return f"drugref: medical answers about {drug.brand_name}"

    def link(self, drug):
        return drug.get_absolute_url()

    def description(self, drug):
        return escape(f"Answers about {drug.brand_name}, newly written or medically reviewed again by pharmacists.")

    def items(self, drug):
        return self.answers().filter(drugs=drug).select_related("reviewer")[:FEED_LENGTH]


class DrugAnswersAtom(DrugAnswersRss):
    feed_type = Atom1Feed

    def subtitle(self, drug):
        return self.description(drug)
