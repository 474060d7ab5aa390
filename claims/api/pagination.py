"""Cursor pagination: pages follow an indexed ordering and never COUNT the table, so page 10,000
of a million claims costs what page 1 costs."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination

MAX_PAGE_SIZE = 500


class KeysetPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-id"

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        # Each view names an ordering on a unique column, so that no two rows tie at a page edge.
        ordering = getattr(view, "cursor_ordering", self.ordering)
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)


class HistoryPagination(KeysetPagination):
    ordering = "-history_id"

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        return (self.ordering,)
