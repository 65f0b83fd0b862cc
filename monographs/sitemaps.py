"""sitemap.xml: an index of sections, each in pages of at most 50,000 URLs."""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max
from django.urls import reverse

from .caching import tags as cache_tags
from .caching.pages import public_page
from .models import Article, Condition, Drug, Reviewer


class AnswerSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Article.objects.live().only("slug", "reviewed_on").order_by("pk")

    # Pages of 10,000 addresses: a page of the protocol's 50,000 took seconds to render.
    limit = 10_000

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
            *(f"monographs:{name}" for name in ("about", "editorial_policy", "medical_disclaimer")),
        ]

    def location(self, name):
        return reverse(name)


SITEMAPS = {
    "answers": AnswerSitemap,
    "drugs": SubjectSitemap(Drug),
    "conditions": SubjectSitemap(Condition),
    "reviewers": SubjectSitemap(Reviewer),
    "pages": SitePageSitemap,
}

# What each section lists, as a cache tag: it is purged when that list changes.
SECTION_TAGS = {
    "answers": cache_tags.LATEST_ANSWERS,
    "drugs": cache_tags.SUBJECT_LISTS["drug"],
    "conditions": cache_tags.SUBJECT_LISTS["condition"],
    "reviewers": cache_tags.SUBJECT_LISTS["reviewer"],
}


@public_page
def index(request):
    request.page_tags = set(SECTION_TAGS.values())
    return sitemap_views.index(request, SITEMAPS, sitemap_url_name="sitemap-section")


@public_page
def section(request, section):
    request.page_tags = {SECTION_TAGS[section]} if section in SECTION_TAGS else set()
    return sitemap_views.sitemap(request, SITEMAPS, section=section)
