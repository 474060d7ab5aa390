"""The editors' review queue of flags: open flags first, filters, the two figures side by side, and
the resolve / dismiss actions (dismiss asks for a note on an intermediate page)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from claims.admin.common import EstimatedCountPaginator
from claims.checks.explain import chain_words, figure_date_words, figure_words
from claims.checks.flags import flag_dismiss, flag_resolve
from claims.models import AttributionLink, Figure, Flag, FlagStatus, Metric
from claims.selectors import claim_ids_citing_source
from sources.models import Source

# The metric and source filters list this many choices; any other is reached by its id in the URL.
FILTER_CHOICES = 200


class SourceFilter(admin.SimpleListFilter):
    """Flags whose claims cite a source anywhere in their chains."""

    title = "source in the chains"
    parameter_name = "source"

    def lookups(self, request, model_admin):
        # Probing the links' source index for every source took 50-130 ms at 10,000 sources and
        # five million links; only the first few hundred by name can be shown, so only those are
        # probed. Any other source is reached by its id in the URL (?source=<id>).
        first = Source.objects.order_by("name").values("id")[: 5 * FILTER_CHOICES]
        cited = AttributionLink.objects.filter(source_id=OuterRef("pk"))
        listed = Source.objects.filter(id__in=first).filter(Exists(cited)).order_by("name")
        return _with_selected(list(listed.values_list("id", "name")[:FILTER_CHOICES]), Source, self.value())

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not value.isdigit():
            raise IncorrectLookupParameters(f"{value!r} is not an id")
        # The claims as a list of ids, not a subquery: with a subquery on each side of the OR,
        # PostgreSQL checked every flag against it (10 s at 1.5 million flags); with lists it
        # reads the two claim indexes and combines them.
        claims = sorted(set(claim_ids_citing_source(source_id=int(value))))
        return queryset.filter(Q(claim_a_id__in=claims) | Q(claim_b_id__in=claims))


class MetricFilter(admin.SimpleListFilter):
    """Flags on one metric. A data set can have tens of thousands of metrics: the sidebar lists
    the first FILTER_CHOICES by name (and the chosen one), not a link per metric."""

    title = "metric"
    parameter_name = "metric"

    def lookups(self, request, model_admin):
        metrics = list(Metric.objects.order_by("name").values_list("id", "name")[:FILTER_CHOICES])
        return _with_selected(metrics, Metric, self.value())

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            raise IncorrectLookupParameters(f"{value!r} is not an id")
        return queryset.filter(metric_id=int(value))


def _with_selected(choices: list[tuple[int, str]], model: type, selected: str | None) -> list[tuple[int, str]]:
    """The choices plus the selected record when it is not among them, so the sidebar shows it."""
    if selected and selected.isdigit() and all(str(pk) != selected for pk, _ in choices):
        choices += list(model.objects.filter(pk=int(selected)).values_list("id", "name"))
    return choices


class DismissForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), help_text="Why this is not a problem.")


def open_rank(*, indexed: bool = True) -> Case:
    """0 for an open flag, 1 otherwise. Migration 0007 indexes this very expression (with
    created_at and id, descending), so that the review queue's first page is read from the index
    instead of sorting every flag: keep the two the same.

    `indexed=False` gives the same values through a different expression, which the index does
    not match: for a filter that keeps few flags (a source), walking the index in order and
    skipping the others read 80,000 rows for a page (1 s at 1.5 million flags); PostgreSQL then
    fetches the few matches by their claim indexes and sorts them instead."""
    if indexed:
        return Case(When(status=FlagStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    return Case(When(~Q(status=FlagStatus.OPEN), then=Value(1)), default=Value(0), output_field=IntegerField())


def open_first(queryset: QuerySet[Flag]) -> QuerySet[Flag]:
    return queryset.annotate(open_rank=open_rank()).order_by("open_rank", "-created_at")


# The query-string names under which the change list filters on one status.
STATUS_PARAMS = ("status", "status__exact")
# Filters that keep a small share of the flags (a metric, a source, a search): see open_rank.
NARROW_PARAMS = ("metric", "source", "q")


@admin.register(Flag)
class FlagAdmin(SimpleHistoryAdmin):
    list_display = ("code", "kind", "status", "metric", "claim_a", "claim_b", "short_explanation", "created_at")
    list_filter = ("status", "kind", "code", MetricFilter, SourceFilter)
    list_select_related = ("metric", "claim_a", "claim_b")
    # Millions of flags: no COUNT(*) of the table for the paginator or the "N total" link.
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    # As the claims list: rendering the rows is most of a page's time once the queries use indexes.
    list_per_page = 50
    search_fields = ("explanation", "claim_a__key", "claim_b__key", "claim_a__text", "claim_b__text")
    actions = ("resolve_flags", "dismiss_flags")
    readonly_fields = ("kind", "code", "status", "metric", "claim_a", "claim_b", "explanation", "side_by_side",
                       "dismissed_by", "dismissed_note", "dismissed_at", "created_at", "updated_at")
    fields = readonly_fields

    def get_ordering(self, request: HttpRequest) -> list:
        """Open flags first, newest first (the change list adds -id). Filtered on one status the
        rank is the same for every row, so the list orders by date alone and is read in order
        from the (status, created_at, id) index; otherwise it follows the open-rank index."""
        if any(request.GET.get(name) for name in STATUS_PARAMS):
            return ["-created_at"]
        narrow = any(request.GET.get(name) for name in NARROW_PARAMS)
        return [open_rank(indexed=not narrow).asc(), "-created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Flag | None = None) -> bool:
        # Flags are findings of the checks: editors resolve or dismiss them, nobody deletes them.
        return False

    @admin.display(description="explanation")
    def short_explanation(self, obj: Flag) -> str:
        return obj.explanation if len(obj.explanation) <= 140 else obj.explanation[:137] + "..."

    @admin.display(description="figures and chains")
    def side_by_side(self, obj: Flag) -> str:
        return flag_sides_html(obj)

    @admin.action(description="Resolve the selected flags", permissions=["change"])
    def resolve_flags(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        for flag in queryset:
            flag_resolve(flag=flag, user=request.user)
        self.message_user(request, f"{queryset.count()} flag(s) resolved.", messages.SUCCESS)

    @admin.action(description="Dismiss the selected flags (asks for a note)", permissions=["change"])
    def dismiss_flags(self, request: HttpRequest, queryset: QuerySet[Flag]):
        form = DismissForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            flags = list(queryset)
            for flag in flags:
                flag_dismiss(flag=flag, user=request.user, note=form.cleaned_data["note"])
            self.message_user(request, f"{len(flags)} flag(s) dismissed.", messages.SUCCESS)
            return None
        return TemplateResponse(request, "admin/claims/flag/dismiss.html", {
            **self.admin_site.each_context(request),
            "title": "Dismiss flags", "flags": queryset, "form": form, "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        })


def flag_sides_html(flag: Flag) -> str:
    """The two figures (or the one claim) of a flag, side by side, each with its chains and date."""
    sides = []
    for claim, figure_id in ((flag.claim_a, flag.figure_a_id), (flag.claim_b, flag.figure_b_id)):
        if claim is None:
            continue
        figure = Figure.objects.select_related("checked").filter(pk=figure_id).first() if figure_id else None
        chains = claim.attributions.prefetch_related("links__source")
        sides.append(format_html(
            '<td style="vertical-align:top;padding-right:2em"><strong>{}</strong><br>{}<br><em>{}</em><ul>{}</ul></td>',
            claim, figure_words(figure) if figure else "", figure_date_words(figure) if figure else "",
            format_html_join("", "<li>{}</li>", ((chain_words(chain),) for chain in chains)) or "no chain",
        ))
    return format_html("<table><tr>{}</tr></table>", format_html_join("", "{}", ((s,) for s in sides)))


class ClaimFlagsInline(admin.TabularInline):
    """Read-only list of the flags where the claim is claim_a. Hook it into the claim admin with
    `inlines = (..., ClaimFlagsInline, ClaimFlagsAsSecondInline)`."""

    model = Flag
    fk_name = "claim_a"
    fields = ("code", "status", "metric", "claim_b", "explanation")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = "flags"

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Flag]:
        return open_first(super().get_queryset(request).select_related("metric", "claim_b"))


class ClaimFlagsAsSecondInline(ClaimFlagsInline):
    """The conflicts where the claim is the second claim (claim_b)."""

    fk_name = "claim_b"
    fields = ("code", "status", "metric", "claim_a", "explanation")
    readonly_fields = fields
    verbose_name_plural = "conflicts with earlier claims"
