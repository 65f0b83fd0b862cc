"""Queries compiled to SQL once per process, then run with new parameters.

Django compiles a QuerySet to SQL on every evaluation. For the answer page's
queries (a join, UNIONs and subqueries) compiling took longer than the
database took to run them. A `Prepared` query is written as an ordinary
QuerySet of `values_list` rows, built once with marker values standing in for
its parameters; each run swaps the markers for real values, sends the same
SQL, and converts the values as Django would (dates, JSON).
"""

from django.db import connections


class Prepared:
    """A values_list QuerySet with named parameters (each an int or a str), compiled once per database."""

    def __init__(self, build, **types):
        self.build = build  # build(**{name: marker}) -> QuerySet
        self.types = types  # name -> int or str
        self._compiled = {}  # database alias -> (sql, params, {position: name}, compiler, converters)

    def rows(self, using="default", **values) -> list:
        """Run the query with `values` for its named parameters; return its rows."""
        sql, params, slots, compiler, converters = self._compiled.get(using) or self._compile(using)
        params = list(params)
        for position, name in slots.items():
            params[position] = values[name]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return list(compiler.apply_converters(rows, converters)) if converters else rows

    def _compile(self, using):
        # Markers no real value takes: distinctive text, or integers no primary key reaches.
        markers = {
            name: -7_300_000_000 - n if kind is int else f"prepared-parameter-{n}-{name}"
            for n, (name, kind) in enumerate(self.types.items())
        }
        queryset = self.build(**markers)
        compiler = queryset.query.get_compiler(using)
        sql, params = compiler.as_sql()
        by_marker = {marker: name for name, marker in markers.items()}
        slots = {n: by_marker[p] for n, p in enumerate(params) if isinstance(p, int | str) and p in by_marker}
        missing = set(self.types) - set(slots.values())
        if missing:
            raise ValueError(f"parameters not found in the compiled query: {', '.join(sorted(missing))}")
        converters = compiler.get_converters([expression for expression, _, _ in compiler.select])
        self._compiled[using] = (sql, tuple(params), slots, compiler, converters)
        return self._compiled[using]
