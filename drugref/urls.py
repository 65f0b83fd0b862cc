from django.contrib import admin
from django.urls import include, path

from drugref import health
from monographs.urls import site_urlpatterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    *site_urlpatterns,
    path("", include("monographs.urls")),
]

handler404 = "monographs.views.not_found"
handler403 = "drugref.errors.permission_denied"
handler500 = "drugref.errors.server_error"
