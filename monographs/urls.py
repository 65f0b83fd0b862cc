from django.urls import path

from . import views

app_name = "monographs"

urlpatterns = [
    path("", views.home, name="home"),
    path("medical-answers/<slug:slug>/", views.article_detail, name="article"),
    path("drugs/<slug:slug>/", views.drug_detail, name="drug"),
    path("conditions/<slug:slug>/", views.condition_detail, name="condition"),
    path("reviewers/<slug:slug>/", views.reviewer_detail, name="reviewer"),
    path("support-groups/<slug:slug>/", views.support_group_detail, name="support_group"),
]
