from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "drugref administration"
admin.site.site_title = "drugref"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("monographs.urls")),
]
