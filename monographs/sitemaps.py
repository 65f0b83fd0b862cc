"""sitemap.xml: an index of sections, each in pages of at most 50,000 URLs."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Article, Condition, Drug, Reviewer


class AnswerSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Article.objects.live().only("slug", "reviewed_on").order_by("pk")

    def lastmod(self, article):
        # The public text changes only when a reviewer signs it off.
        return article.reviewed_on


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
