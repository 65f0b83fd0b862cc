"""Queries compiled to SQL once per process, then run with new parameters.

Django compiles a QuerySet to SQL on every evaluation. For the answer page's
link queries (UNIONs and subqueries) compiling took four times as long as the
database took to run them. A `Prepared` query is written as an ordinary
QuerySet of `values_list` rows, built once with marker values standing in for
its parameters; each run swaps the markers for real values and sends the same
SQL. Rows come back as the database driver gives them, so select only columns
that need no conversion (integers and text).
"""

from django.db import connections

# Stand-ins for parameters while compiling: integers no real primary key takes.
_MARKER_BASE = -7_300_000_000


class Prepared:
    """A values_list QuerySet with named integer parameters, compiled once per database."""

    def __init__(self, build, *names):
        self.build = build  # build(**{name: marker}) -> QuerySet
        self.names = names
        self._compiled = {}  # database alias -> (sql, params, {position: name})

    def rows(self, using="default", **values) -> list[tuple]:
        """Run the query with `values` for its named parameters; return its rows."""
        compiled = self._compiled.get(using) or self._compile(using)
        sql, params, slots = compiled
        params = list(params)
        for position, name in slots.items():
            params[position] = values[name]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _compile(self, using):
        markers = {name: _MARKER_BASE - n for n, name in enumerate(self.names)}
        queryset = self.build(**markers)
        sql, params = queryset.query.get_compiler(using).as_sql()
        by_marker = {marker: name for name, marker in markers.items()}
        slots = {n: by_marker[p] for n, p in enumerate(params) if isinstance(p, int) and p in by_marker}
        missing = set(self.names) - set(slots.values())
        if missing:
            raise ValueError(f"parameters not found in the compiled query: {', '.join(sorted(missing))}")
        self._compiled[using] = (sql, tuple(params), slots)
        return self._compiled[using]
