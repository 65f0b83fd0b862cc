"""sitemap.xml: an index of sections, each in pages of at most 10,000 URLs."""

from types import SimpleNamespace

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Max
from django.urls import reverse
from django.utils.functional import cached_property

from .caching import pages
from .caching import tags as cache_tags
from .caching.pages import public_page
from .models import Article, Condition, Drug, Reviewer, SupportGroup


class IdRanges:
    """Sitemap pages by id: page N lists the items with ids in ((N - 1) * limit, N * limit].

    Django's Paginator counts every live answer to number the pages and reads
    past all earlier pages with OFFSET; the highest id and a range per page
    come straight from the primary key's index. A page may hold fewer than
    `limit` addresses where ids have gaps.
    """

    def __init__(self, items, limit):
        self.items, self.limit = items, limit

    @cached_property
    def num_pages(self) -> int:
        highest = self.items.aggregate(highest=Max("pk"))["highest"] or 0
        return max(1, -(-highest // self.limit))

    def page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not a whole number.") from None
        if not 1 <= number <= self.num_pages:
            raise EmptyPage("That page contains no results.")
        start = (number - 1) * self.limit
        return SimpleNamespace(object_list=self.items.filter(pk__gt=start, pk__lte=start + self.limit))


class AnswerSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8
    # Pages of 10,000 addresses: a page of the protocol's 50,000 took seconds to render.
    limit = 10_000

    def items(self):
        return Article.objects.live().only("slug", "reviewed_on").order_by("pk")

    @property
    def paginator(self):
        return IdRanges(self.items(), self.limit)

    def lastmod(self, article):
        # The public text changes only when a reviewer signs it off.
        return article.reviewed_on

    def get_latest_lastmod(self):
        # Django's default reads every answer to find the newest date; one aggregate does.
        return Article.objects.live().aggregate(latest=Max("reviewed_on"))["latest"]


class SubjectSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.5

    def __init__(self, model):
        self.model = model

    def items(self):
        return self.model.objects.only("slug").order_by("pk")


class SitePageSitemap(Sitemap):
    priority = 0.3

    def items(self):
        return [
            "monographs:home",
            "monographs:answers",
            "monographs:drugs",
            "monographs:conditions",
            "monographs:reviewers",
            *(f"monographs:{name}" for name in ("about", "editorial_policy", "medical_disclaimer")),
        ]

    def location(self, name):
        return reverse(name)


SITEMAPS = {
    "answers": AnswerSitemap,
    "drugs": SubjectSitemap(Drug),
    "conditions": SubjectSitemap(Condition),
    "reviewers": SubjectSitemap(Reviewer),
    "support-groups": SubjectSitemap(SupportGroup),
    "pages": SitePageSitemap,
}

# What each section lists, as a cache tag: it is purged when that list changes.
SECTION_TAGS = {
    "answers": cache_tags.LATEST_ANSWERS,
    "drugs": cache_tags.SUBJECT_LISTS["drug"],
    "conditions": cache_tags.SUBJECT_LISTS["condition"],
    "reviewers": cache_tags.SUBJECT_LISTS["reviewer"],
    "support-groups": cache_tags.SUBJECT_LISTS["supportgroup"],
}


@public_page
def index(request):
    pages.shows(request, SECTION_TAGS.values())
    return sitemap_views.index(request, SITEMAPS, sitemap_url_name="sitemap-section")


@public_page
def section(request, section):
    pages.shows(request, {SECTION_TAGS[section]} if section in SECTION_TAGS else ())
    return sitemap_views.sitemap(request, SITEMAPS, section=section)
