"""Helpers the editors' admin shares: partial-date form fields, numbered inline rows, a paginator
that does not count a large table, and a change list that prepares a whole page at once."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django import forms
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Page, Paginator
from django.db import connections
from django.forms.models import BaseInlineFormSet
from django.utils.functional import cached_property
from django.utils.text import capfirst

from sources.dates import PartialDateError, format_partial_date, parse_partial_date

PARTIAL_DATE_HELP = "YYYY, YYYY-MM or YYYY-MM-DD: 2025, 2025-04 or 2025-04-15."


class PartialDateField(forms.CharField):
    """One text box for a date of year, month or day precision. Cleans to (first day, precision)
    or None, so that a form can fill the two columns the date is stored in."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("help_text", PARTIAL_DATE_HELP)
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 10, "placeholder": "YYYY-MM-DD"}))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        # A plain date (from an initial value) is shown at day precision.
        return value.isoformat() if isinstance(value, dt.date) else value

    def clean(self, value: Any) -> tuple[dt.date, str] | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return parse_partial_date(text)
        except PartialDateError as exc:
            raise forms.ValidationError(f"{exc}. Write {PARTIAL_DATE_HELP}", code="invalid_partial_date") from None


class PartialDateFormMixin:
    """ModelForm mixin: each date column named in `partial_dates` (mapped to its precision
    column) is edited as one PartialDateField; the precision column is set from what was typed."""

    partial_dates: ClassVar[dict[str, str]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for date_name, precision_name in self.partial_dates.items():
            if date_name not in self.fields:
                continue
            model_field = self._meta.model._meta.get_field(date_name)
            self.fields[date_name] = PartialDateField(
                required=not model_field.blank, label=capfirst(model_field.verbose_name)
            )
            value = getattr(self.instance, date_name)
            if value is not None:
                self.initial[date_name] = format_partial_date(value, getattr(self.instance, precision_name))

    def _post_clean(self) -> None:
        # Runs before the model is validated, so the pair reaches the model's constraints together.
        for date_name, precision_name in self.partial_dates.items():
            if date_name in self.cleaned_data:
                parsed = self.cleaned_data[date_name]
                self.cleaned_data[date_name] = parsed[0] if parsed else None
                setattr(self.instance, precision_name, parsed[1] if parsed else "")
        super()._post_clean()


class PositionedInlineFormSet(BaseInlineFormSet):
    """Inline rows for records ordered by a `position` unique within their parent: empty rows
    start numbered after the saved ones, so that adding a row never collides with position 0."""

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        kwargs = super().get_form_kwargs(index)
        saved = self.initial_form_count()
        if index is not None and index >= saved:
            following = max((obj.position for obj in self.get_queryset()), default=-1) + 1
            kwargs["initial"] = {"position": following + index - saved}
        return kwargs


class EstimatedCountPaginator(Paginator):
    """A paginator that never counts a whole large table.

    COUNT(*) reads every row on PostgreSQL, which takes seconds on millions of claims. On an
    unfiltered list the planner's row estimate (pg_class.reltuples) stands in once it is above
    `exact_count_limit`; otherwise the count stops at `exact_count_limit` + 1 rows, so a broad
    filter costs a bounded scan and the list says "more than" instead of a number."""

    exact_count_limit = 10_000
    count_kind = "exact"  # or "estimate", or "capped"
    # From this offset on, a page first selects its rows' ids, then the rows (see page()).
    deep_offset = 5_000

    def page(self, number: Any) -> Page:
        """A deep page skips its offset reading ids only: PostgreSQL can walk the primary-key
        index without visiting the table (an index-only scan, once vacuumed), where OFFSET over
        whole rows fetches every skipped row (page 10,000 of 1,000,000 claims: ~0.2 s instead of
        ~0.45 s). Then the page's rows are read by id, in the same order."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        query = getattr(self.object_list, "query", None)
        if bottom < self.deep_offset or query is None or query.combinator:
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        return self._get_page(self.object_list.filter(pk__in=ids), number, self)

    @cached_property
    def count(self) -> int:
        estimate = self._planner_estimate()
        if estimate is not None and estimate > self.exact_count_limit:
            self.count_kind = "estimate"
            return estimate
        # Without the list's ordering: any rows will do for a count, and an ORDER BY in the
        # subquery made PostgreSQL walk the ordering index until it had found them (1.3 s for a
        # code filter over 1.5 million flags).
        counted = self.object_list.order_by()[: self.exact_count_limit + 1].count()
        if counted > self.exact_count_limit:
            self.count_kind = "capped"
        return counted

    @property
    def count_label(self) -> str:
        count = self.count
        if self.count_kind == "estimate":
            return f"about {count:,}"
        if self.count_kind == "capped":
            return f"more than {self.exact_count_limit:,}"
        return f"{count:,}"

    def _planner_estimate(self) -> int | None:
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        if query is None or query.where or query.distinct:
            return None
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return None
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)", [table])
            row = cursor.fetchone()
        # -1 (never analysed) or 0 says nothing about the size: count instead.
        return int(row[0]) if row and row[0] and row[0] > 0 else None


class PreparedPageChangeList(ChangeList):
    """A change list that hands the rows of the shown page to `model_admin.prepare_page`, so
    that values needing another query (inherited grades, parent lines) take one query a page."""

    def get_results(self, request: Any) -> None:
        super().get_results(request)
        self.result_list = list(self.result_list)
        self.model_admin.prepare_page(request, self.result_list)


class PreparedPageMixin:
    """ModelAdmin mixin for PreparedPageChangeList; override `prepare_page`."""

    def get_changelist(self, request: Any, **kwargs: Any) -> type[ChangeList]:
        return PreparedPageChangeList

    def prepare_page(self, request: Any, objects: list[Any]) -> None:
        """Attach to each object what its columns show."""


class PartialDateAdminMixin:
    """ModelAdmin or inline mixin: users who may only view see a partial date as written
    (2025-04) through the model's `<date>_display` property, not as its first day (1 April)."""

    def _date_displays(self, request: Any, obj: Any) -> dict[str, str]:
        if obj is None or self.has_change_permission(request, obj):
            return {}
        return {name: f"{name}_display" for name in getattr(self.form, "partial_dates", {})}

    def get_fields(self, request: Any, obj: Any = None) -> list[str]:
        displays = self._date_displays(request, obj)
        return [displays.get(name, name) for name in super().get_fields(request, obj)]

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        # Listed as read-only too, so that no form is ever built with a field the model lacks.
        return [*super().get_readonly_fields(request, obj), *self._date_displays(request, obj).values()]
