"""`any_of("field", keys)`: membership in a long list, as one array parameter on PostgreSQL.

`field__in` sends one placeholder per value, and both psycopg and Django spend
time on each; with lists of thousands of keys (imports, exports) that dominates.
On other databases it is the same as `__in`. Give the keys as a set (or any
iterable): Django resolves the items of a list or tuple one by one. Used as a
filter expression, so no lookup is registered on Django's fields.
"""

from django.db.models import F, Lookup


class Any(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [_prepared(self.lhs.output_field, value, connection)]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values:
            return "0 = 1", []
        params = _prepared(self.lhs.output_field, values, connection)
        return f"{lhs} IN ({', '.join(['%s'] * len(params))})", [*lhs_params, *params]


def any_of(field_name: str, keys) -> Any:
    """A filter: `field_name` is one of `keys` (`queryset.filter(any_of("slug", slugs))`)."""
    return Any(F(field_name), keys)


def _prepared(field, values, connection) -> list:
    # Keys that are already ints or text need nothing; preparing 100,000 of them one by one costs seconds.
    prepare = field.get_db_prep_value
    return [v if type(v) in (int, str) else prepare(v, connection, prepared=False) for v in values]


def matching(queryset, field_name, values, *fields, chunk=5000):
    """Yield `fields` of the rows whose `field_name` is one of `values` (the rows themselves if no `fields`).

    A few thousand keys per query.
    """
    values = list(values)
    for start in range(0, len(values), chunk):
        rows = queryset.filter(any_of(field_name, set(values[start : start + chunk])))
        yield from rows.values_list(*fields) if fields else rows
