"""drugref's URLs plus /bench/floor/: a fixed 8 KB page that goes through the same middleware, uncached."""

from django.http import HttpResponse
from django.urls import path

from drugref.urls import urlpatterns as site

FLOOR_PAGE = ("<!DOCTYPE html><title>floor</title>" + ("<p>" + "x" * 76 + "</p>\n") * 96).encode()[:8192]


def floor(request):
    return HttpResponse(FLOOR_PAGE)


urlpatterns = [path("bench/floor/", floor), *site]
