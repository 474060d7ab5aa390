"""Admin for claims (with their figures and chains), attribution chains, metrics and tags."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db import models
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin

from claims.admin.common import (
    EstimatedCountPaginator,
    PartialDateAdminMixin,
    PartialDateFormMixin,
    PositionedInlineFormSet,
    PreparedPageMixin,
)
from claims.admin.flags import ClaimFlagsAsSecondInline, ClaimFlagsInline
from claims.models import Attribution, AttributionLink, Claim, Figure, Metric, Tag
from claims.queueing import checks_enqueue
from claims.selectors import (
    UNGRADED,
    chain_origin,
    claim_ids_citing_document,
    claim_ids_citing_source,
    claim_ids_with_metric,
    claim_ids_with_origin_grade,
    claim_metric_ids,
    claims_matching,
    line_grade,
    metric_figures,
    prefetch_chains_and_figures,
    source_lines,
)
from claims.verdicts import claim_verdict_stamp
from sources.models import Document, Grade, Source

# Fields of a metric that the checks read: changing one can raise or clear flags.
METRIC_CHECKED_FIELDS = frozenset({"cumulative", "tolerance", "window_days"})
# The source filter lists this many sources; any other is reached from its own page's link.
SOURCE_FILTER_CHOICES = 200
METRIC_FILTER_CHOICES = 200
METRIC_PAGE_FIGURES = 200
NO_GRADE_PARAM = "none"


def _id_param(value: str) -> int:
    """A filter's id from the query string; a bad one is a bad lookup, not a server error."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise IncorrectLookupParameters(f"{value!r} is not an id") from None


class MetricFilter(admin.SimpleListFilter):
    """Claims with a figure on a metric. The sidebar lists the first METRIC_FILTER_CHOICES metrics
    by name (and the chosen one): a link per metric made the page slow to render once there were
    thousands (10,000 metrics at 1,000,000 claims: over a second). Any other metric is reached from
    its own page's link, "all claims with a figure on it"."""

    title = "metric"
    parameter_name = "metric"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[int, str]]:
        choices = list(Metric.objects.order_by("name").values_list("id", "name")[:METRIC_FILTER_CHOICES])
        selected = self.value()
        if selected and selected.isdigit() and all(str(pk) != selected for pk, _ in choices):
            choices += list(Metric.objects.filter(pk=int(selected)).values_list("id", "name"))
        return choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Claim]) -> QuerySet[Claim]:
        if self.value() is None:
            return queryset
        return queryset.filter(id__in=claim_ids_with_metric(metric_id=_id_param(self.value())))


class SourceFilter(admin.SimpleListFilter):
    """Claims naming a source in any link of any chain."""

    title = "source (any link)"
    parameter_name = "source"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[int, str]]:
        choices = list(Source.objects.order_by("name").values_list("id", "name")[:SOURCE_FILTER_CHOICES])
        selected = self.value()
        if selected and selected.isdigit() and all(str(pk) != selected for pk, _ in choices):
            choices += list(Source.objects.filter(pk=int(selected)).values_list("id", "name"))
        return choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Claim]) -> QuerySet[Claim]:
        if self.value() is None:
            return queryset
        return queryset.filter(id__in=claim_ids_citing_source(source_id=_id_param(self.value())))


class DocumentFilter(admin.SimpleListFilter):
    """Claims naming a document in a chain; shown only when a document page links here, since
    listing every document would drown the sidebar."""

    title = "document"
    parameter_name = "document"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[int, str]]:
        selected = self.value()
        if not (selected and selected.isdigit()):
            return []
        return [(pk, Truncator(title).chars(60)) for pk, title in Document.objects.filter(pk=int(selected))
                .values_list("id", "title")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Claim]) -> QuerySet[Claim]:
        if self.value() is None:
            return queryset
        return queryset.filter(id__in=claim_ids_citing_document(document_id=_id_param(self.value())))


class OriginGradeFilter(admin.SimpleListFilter):
    """Claims with an origin of this effective grade: its own, or inherited from its parents."""

    title = "origin grade"
    parameter_name = "origin_grade"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [*Grade.choices, (NO_GRADE_PARAM, "ungraded")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Claim]) -> QuerySet[Claim]:
        value = self.value()
        if value is None:
            return queryset
        if value == NO_GRADE_PARAM:
            grade = UNGRADED
        elif value in Grade.values:
            grade = value
        else:
            raise IncorrectLookupParameters(f"{value!r} is not a grade")
        return queryset.filter(id__in=claim_ids_with_origin_grade(grade=grade))


class FigureForm(PartialDateFormMixin, forms.ModelForm):
    partial_dates = {"as_of": "as_of_precision"}


class AttributionLinkForm(PartialDateFormMixin, forms.ModelForm):
    partial_dates = {"date": "date_precision"}


class FigureInline(PartialDateAdminMixin, admin.TabularInline):
    model = Figure
    form = FigureForm
    formset = PositionedInlineFormSet
    fields = ("position", "metric", "qualifier", "value", "lower", "upper", "as_of", "text")
    autocomplete_fields = ("metric",)
    ordering = ("position",)
    extra = 1

    def get_queryset(self, request: HttpRequest) -> QuerySet[Figure]:
        return super().get_queryset(request).select_related("metric")


class AttributionInline(admin.TabularInline):
    """Chains shown as paths. Django's admin cannot nest the links inside this inline, so each
    chain links to its own page, where its links are edited."""

    model = Attribution
    fields = ("position", "chain", "origin_grade")
    readonly_fields = ("chain", "origin_grade")
    ordering = ("position",)
    extra = 0
    verbose_name = "attribution chain"
    verbose_name_plural = "attribution chains (outermost source first; open a chain to edit its links)"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A chain is added on its own page (see "add a chain" above), where its links are.
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attribution]:
        links = AttributionLink.objects.select_related("source").order_by("position")
        return super().get_queryset(request).prefetch_related(Prefetch("links", queryset=links))

    @admin.display(description="chain")
    def chain(self, obj: Attribution) -> str:
        url = reverse("admin:claims_attribution_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, str(obj))

    @admin.display(description="origin grade")
    def origin_grade(self, obj: Attribution) -> str:
        origin = chain_origin(obj)
        if origin is None:
            return "-"
        return line_grade(source_lines(source_ids=[origin.source_id])[origin.source_id]) or "ungraded"


@admin.register(Claim)
class ClaimAdmin(PreparedPageMixin, SimpleHistoryAdmin):
    list_display = ("key", "short_text", "status", "metrics", "chains", "origin_grades", "tag_names", "updated_at")
    list_display_links = ("key", "short_text")
    list_filter = ("status", MetricFilter, SourceFilter, OriginGradeFilter, DocumentFilter, "tags")
    # Searching also covers the names and aliases of the sources in a claim's chains: see
    # get_search_results. These fields make the search box and autocompletes appear.
    search_fields = ("text", "key")
    search_help_text = "Words from the claim's text or key, or a name or alias of a source in its chains."
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50
    autocomplete_fields = ("tags",)
    fields = ("key", "text", "language", "status", "tags", "verdict_summary", "verdict_by", "verdict_at",
              "add_chain_link")
    readonly_fields = ("verdict_by", "verdict_at", "add_chain_link")
    inlines = (FigureInline, AttributionInline, ClaimFlagsInline, ClaimFlagsAsSecondInline)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Claim], search_term: str
    ) -> tuple[QuerySet[Claim], bool]:
        return claims_matching(queryset=queryset, term=search_term), False

    def prepare_page(self, request: HttpRequest, objects: list[Any]) -> None:
        prefetch_chains_and_figures(objects)
        origins = {claim.pk: [chain_origin(chain) for chain in claim.attributions.all()] for claim in objects}
        lines = source_lines(source_ids=[link.source_id for links in origins.values() for link in links if link])
        for claim in objects:
            claim.origin_grade_list = [
                line_grade(lines[link.source_id]) or "ungraded" for link in origins[claim.pk] if link
            ]

    @admin.display(description="text")
    def short_text(self, obj: Claim) -> str:
        return Truncator(obj.text).chars(90)

    @admin.display(description="metrics")
    def metrics(self, obj: Claim) -> str:
        return ", ".join(dict.fromkeys(figure.metric.name for figure in obj.figures.all())) or "-"

    @admin.display(description="chains")
    def chains(self, obj: Claim) -> str:
        paths = [(str(chain),) for chain in obj.attributions.all()]
        return format_html_join(mark_safe("<br>"), "{}", paths) if paths else "-"

    @admin.display(description="origin grade")
    def origin_grades(self, obj: Claim) -> str:
        return ", ".join(getattr(obj, "origin_grade_list", [])) or "-"

    @admin.display(description="tags")
    def tag_names(self, obj: Claim) -> str:
        return ", ".join(tag.name for tag in obj.tags.all()) or "-"

    @admin.display(description="chains")
    def add_chain_link(self, obj: Claim) -> str:
        if obj.pk is None:
            return "Save the claim first, then add its attribution chains."
        following = max(obj.attributions.values_list("position", flat=True), default=-1) + 1
        url = reverse("admin:claims_attribution_add")
        return format_html('<a href="{}?claim={}&amp;position={}">Add a chain</a>', url, obj.pk, following)

    def save_model(self, request: HttpRequest, obj: Claim, form: forms.ModelForm, change: bool) -> None:
        before = Claim.objects.filter(pk=obj.pk).values("status", "verdict_summary").first() if change else None
        claim_verdict_stamp(
            claim=obj, user=request.user,
            previous_status=before["status"] if before else None,
            previous_summary=before["verdict_summary"] if before else None,
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        claim = form.instance
        # A figure moved off a metric changes that metric's comparisons too.
        before = claim_metric_ids(claim_ids=[claim.pk]) if change else set()
        super().save_related(request, form, formsets, change)
        checks_enqueue(claim_ids=[claim.pk], metric_ids=before | claim_metric_ids(claim_ids=[claim.pk]))

    def delete_model(self, request: HttpRequest, obj: Claim) -> None:
        # Other claims on the same metrics may lose a conflict or a corroboration.
        metric_ids = claim_metric_ids(claim_ids=[obj.pk])
        super().delete_model(request, obj)
        checks_enqueue(metric_ids=metric_ids)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        metric_ids = claim_metric_ids(claim_ids=queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        checks_enqueue(metric_ids=metric_ids)


class AttributionLinkInline(PartialDateAdminMixin, admin.TabularInline):
    model = AttributionLink
    form = AttributionLinkForm
    formset = PositionedInlineFormSet
    fields = ("position", "source", "document", "verb", "date", "quote", "trail")
    readonly_fields = ("trail",)
    autocomplete_fields = ("source", "document")
    ordering = ("position",)
    extra = 1
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}

    def get_queryset(self, request: HttpRequest) -> QuerySet[AttributionLink]:
        return super().get_queryset(request).select_related("source", "document")

    @admin.display(description="source line and document")
    def trail(self, obj: AttributionLink) -> str:
        """Where an editor walks on from a link: each source of its parent line with its grade,
        then the document."""
        if obj.pk is None:
            return "-"
        line = source_lines(source_ids=[obj.source_id])[obj.source_id]
        sources = format_html_join(
            " -> ",
            '<a href="{}">{}</a> ({})',
            (
                (reverse("admin:sources_source_change", args=[step.id]), step.name, step.reliability or "ungraded")
                for step in line
            ),
        )
        if obj.document_id is None:
            return format_html("{}<br>no document", sources)
        doc_url = reverse("admin:sources_document_change", args=[obj.document_id])
        return format_html('{}<br>document: <a href="{}">{}</a>', sources, doc_url, obj.document.title)


@admin.register(Attribution)
class AttributionAdmin(SimpleHistoryAdmin):
    """One chain and its links. Reached from a claim's page, so it stays off the admin index."""

    list_display = ("__str__", "claim", "position")
    list_select_related = ("claim",)
    fields = ("claim", "position")
    autocomplete_fields = ("claim",)
    inlines = (AttributionLinkInline,)

    def get_model_perms(self, request: HttpRequest) -> dict[str, bool]:
        return {}

    def get_readonly_fields(self, request: HttpRequest, obj: Attribution | None = None) -> tuple[str, ...]:
        # Moving a chain to another claim would leave the old claim unchecked: add a new chain.
        return ("claim",) if obj is not None else ()

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        _enqueue_for_claim(form.instance.claim_id)

    def delete_model(self, request: HttpRequest, obj: Attribution) -> None:
        super().delete_model(request, obj)
        _enqueue_for_claim(obj.claim_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Attribution]) -> None:
        claim_ids = set(queryset.values_list("claim_id", flat=True))
        super().delete_queryset(request, queryset)
        checks_enqueue(claim_ids=claim_ids, metric_ids=claim_metric_ids(claim_ids=claim_ids))


def _enqueue_for_claim(claim_id: int) -> None:
    """A chain decides a claim's origins, so its flags and the conflicts on its metrics."""
    checks_enqueue(claim_ids=[claim_id], metric_ids=claim_metric_ids(claim_ids=[claim_id]))


@admin.register(Metric)
class MetricAdmin(SimpleHistoryAdmin):
    list_display = ("name", "unit", "cumulative", "tolerance", "window_days", "updated_at")
    list_filter = ("cumulative",)
    search_fields = ("name", "key", "unit")
    fields = ("key", "name", "unit", "cumulative", "tolerance", "window_days", "figures_table")
    readonly_fields = ("figures_table",)

    @admin.display(description="figures by date")
    def figures_table(self, obj: Metric) -> str:
        if obj.pk is None:
            return "-"
        return render_to_string("admin/claims/metric/figures_table.html", {
            "figures": metric_figures(metric_id=obj.pk, limit=METRIC_PAGE_FIGURES),
            "limit": METRIC_PAGE_FIGURES,
            "claims_url": f"{reverse('admin:claims_claim_changelist')}?metric={obj.pk}",
        })

    def save_model(self, request: HttpRequest, obj: Metric, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and METRIC_CHECKED_FIELDS & set(form.changed_data):
            checks_enqueue(metric_ids=[obj.pk])


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)
