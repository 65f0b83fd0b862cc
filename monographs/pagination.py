"""Pages of long lists without counting them: one query of a page and one row more."""

from dataclasses import dataclass


@dataclass
class Window:
    """One page of a list: its items, its number, and whether pages come before or after it.

    Django's Paginator counts the whole list to number the last page; at
    100,000 answers that COUNT(*) costs more than the page. A reader needs only
    "previous" and "next", so this fetches one row past the page instead.
    """

    object_list: list
    number: int
    has_next: bool

    @classmethod
    def of(cls, queryset, page, per_page: int) -> "Window":
        """Return page `page` (a number as text, from the query string) of `queryset`; bad numbers give page 1."""
        try:
            number = max(1, int(page))
        except (TypeError, ValueError):
            number = 1
        # Beyond any real list: a huge number must not become a huge OFFSET.
        number = min(number, 100_000)
        start = (number - 1) * per_page
        rows = list(queryset[start : start + per_page + 1])
        return cls(rows[:per_page], number, len(rows) > per_page)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_other_pages(self):
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self):
        return self.number - 1

    @property
    def next_page_number(self):
        return self.number + 1
