"""any_of: list membership as one parameter, the same answers as __in."""

import pytest

from monographs.lookups import any_of
from monographs.models import Article

pytestmark = pytest.mark.django_db


def test_any_matches_like_in(make_article):
    first, second, _third = make_article(), make_article(), make_article()
    for values, expected in (
        ([first.slug, second.slug], {first, second}),
        ([first.slug, "nowhere"], {first}),
        ([], set()),
    ):
        assert (
            set(Article.objects.filter(any_of("slug", values)))
            == expected
            == set(Article.objects.filter(slug__in=values))
        )
    assert set(Article.objects.filter(any_of("pk", [first.pk, second.pk]))) == {first, second}


def test_any_takes_one_parameter_on_postgresql(make_article):
    from django.db import connection

    query = Article.objects.filter(any_of("pk", list(range(5000)))).query
    _sql, params = query.sql_with_params()
    assert len(params) == (1 if connection.vendor == "postgresql" else 5000)


def test_no_lookup_is_registered_on_djangos_fields():
    from django.db.models import CharField, ForeignObject

    assert "any" not in CharField.get_lookups() and "any" not in ForeignObject.get_lookups()
