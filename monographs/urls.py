from django.urls import path

from . import feeds, sitemaps, views
from .caching.pages import public_page
from .models import PAGE_ADDRESSES

app_name = "monographs"

urlpatterns = [
    path("", views.home, name="home"),
    path("medical-answers/", views.answer_index, name="answers"),
    path("medical-answers/letter/<str:letter>/", public_page(views.old_answer_letter), name="answers_letter"),
    path("medical-answers/<slug:slug>/", views.article_detail, name="article"),
    path("medical-answers/<slug:slug>/report/", views.report_problem, name="report"),
    path("drugs/", views.subject_index, {"kind": "drugs"}, name="drugs"),
    path("drugs/letter/<str:letter>/", views.subject_index, {"kind": "drugs"}, name="drugs_letter"),
    path("drugs/<slug:slug>/", views.drug_detail, name="drug"),
    path("drugs/<slug:slug>/answers.rss", public_page(feeds.DrugAnswersRss()), name="drug_rss"),
    path("drugs/<slug:slug>/answers.atom", public_page(feeds.DrugAnswersAtom()), name="drug_atom"),
    path("conditions/", views.subject_index, {"kind": "conditions"}, name="conditions"),
    path("conditions/letter/<str:letter>/", views.subject_index, {"kind": "conditions"}, name="conditions_letter"),
    path("conditions/<slug:slug>/", views.condition_detail, name="condition"),
    path("reviewers/", views.reviewer_index, name="reviewers"),
    path("reviewers/<slug:slug>/", views.reviewer_detail, name="reviewer"),
    path("support-groups/<slug:slug>/", views.support_group_detail, name="support_group"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.search_completions, name="search_completions"),
    path("feeds/answers.rss", public_page(feeds.LatestAnswersRss()), name="rss"),
    path("feeds/answers.atom", public_page(feeds.LatestAnswersAtom()), name="atom"),
    *[path(f"{slug}/", views.site_page, {"slug": slug}, name=name) for slug, name in PAGE_ADDRESSES.items()],
    path("pages/<slug:slug>/", views.site_page, name="page"),
]

# Outside the app namespace: sitemaps name their own URLs.
site_urlpatterns = [
    path("robots.txt", views.robots_txt, name="robots"),
    # Pages name their icon; this answers those that ask for the old default address anyway.
    path("favicon.ico", views.favicon, name="favicon"),
    path("sitemap.xml", sitemaps.index, name="sitemap-index"),
    path("sitemap-<section>.xml", sitemaps.section, name="sitemap-section"),
]
