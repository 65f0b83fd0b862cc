from django.contrib import admin
from django.urls import include, path, re_path

from drugref import health
from monographs.api import api
from monographs.api.errors import not_found as api_not_found
from monographs.urls import site_urlpatterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", api.urls),
    re_path(r"^api/", api_not_found),  # any other address under /api/: a JSON 404, not the site's page
    *site_urlpatterns,
    path("", include("monographs.urls")),
]

handler404 = "monographs.views.not_found"
handler403 = "drugref.errors.permission_denied"
handler500 = "drugref.errors.server_error"
