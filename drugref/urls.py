from django.contrib import admin
from django.urls import include, path

from monographs.urls import site_urlpatterns

urlpatterns = [
    path("admin/", admin.site.urls),
    *site_urlpatterns,
    path("", include("monographs.urls")),
]

handler404 = "monographs.views.not_found"
