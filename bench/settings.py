"""drugref's settings plus the floor view the serving benchmark compares every page with."""

from drugref.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
