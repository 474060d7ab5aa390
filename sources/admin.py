"""Admin for sources (who speaks) and documents (where it was said or published)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from claims.admin.common import PartialDateAdminMixin, PartialDateFormMixin, PreparedPageMixin
from claims.queueing import checks_enqueue
from claims.selectors import (
    LineStep,
    claim_ids_citing_document,
    claim_ids_citing_sources_below,
    line_grade,
    source_lines,
)
from sources.models import Document, Source

# Fields whose change alters what the checks conclude (inherited grades, origin roots, dates).
SOURCE_CHECKED_FIELDS = frozenset({"parent", "reliability"})
DOCUMENT_CHECKED_FIELDS = frozenset({"published"})


def _line_of(source: Source) -> list[LineStep]:
    """The parent line the change list prepared, or a fresh one on a change page."""
    line = getattr(source, "line", None)
    if line is None:
        line = source_lines(source_ids=[source.pk]).get(source.pk, [])
    return line


@admin.register(Source)
class SourceAdmin(PreparedPageMixin, SimpleHistoryAdmin):
    list_display = ("name", "kind", "country", "reliability", "effective_grade", "parent_line", "claims_link")
    list_filter = ("kind", "country", "reliability")
    search_fields = ("name", "aliases", "key")
    autocomplete_fields = ("parent",)
    readonly_fields = ("parent_line_links", "effective_grade", "claims_link")
    fields = (
        "key", "name", "kind", "country", "aliases", "parent", "parent_line_links", "reliability",
        "effective_grade", "url", "wikidata", "notes", "claims_link",
    )
    list_per_page = 100
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def prepare_page(self, request: HttpRequest, objects: list[Any]) -> None:
        lines = source_lines(source_ids=[source.pk for source in objects])
        for source in objects:
            source.line = lines.get(source.pk, [])

    @admin.display(description="effective grade")
    def effective_grade(self, obj: Source) -> str:
        if obj.pk is None:
            return "-"
        grade = line_grade(_line_of(obj))
        if not grade:
            return "ungraded"
        return grade if obj.reliability else f"{grade} (inherited)"

    @admin.display(description="parent line")
    def parent_line(self, obj: Source) -> str:
        return " -> ".join(step.name for step in _line_of(obj))

    @admin.display(description="parent line")
    def parent_line_links(self, obj: Source) -> str:
        if obj.pk is None:
            return "-"
        return format_html_join(
            " -> ",
            '<a href="{}">{}</a> ({})',
            (
                (reverse("admin:sources_source_change", args=[step.id]), step.name, step.reliability or "ungraded")
                for step in _line_of(obj)
            ),
        )

    @admin.display(description="claims")
    def claims_link(self, obj: Source) -> str:
        return _claims_citing_link("source", obj)

    def save_model(self, request: HttpRequest, obj: Source, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and SOURCE_CHECKED_FIELDS & set(form.changed_data):
            checks_enqueue(claim_ids=set(claim_ids_citing_sources_below(source_id=obj.pk)))


def _claims_citing_link(parameter: str, obj: Source | Document) -> str:
    """A link to the claims change list filtered to the claims whose chains cite `obj`."""
    if obj.pk is None:
        return "-"
    url = reverse("admin:claims_claim_changelist")
    return format_html('<a href="{}?{}={}">claims citing it</a>', url, parameter, obj.pk)


class DocumentForm(PartialDateFormMixin, forms.ModelForm):
    partial_dates = {"published": "published_precision"}


@admin.register(Document)
class DocumentAdmin(PartialDateAdminMixin, SimpleHistoryAdmin):
    form = DocumentForm
    list_display = ("title", "publisher", "published_display", "language", "url")
    list_select_related = ("publisher",)
    list_filter = ("language",)
    search_fields = ("title", "url", "publisher__name")
    autocomplete_fields = ("publisher",)
    readonly_fields = ("sha256", "claims_link")
    fields = ("key", "title", "publisher", "published", "language", "url", "text", "sha256", "claims_link")
    list_per_page = 100
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description="published", ordering="published")
    def published_display(self, obj: Document) -> str:
        return obj.published_display or "-"

    @admin.display(description="claims")
    def claims_link(self, obj: Document) -> str:
        return _claims_citing_link("document", obj)

    def save_model(self, request: HttpRequest, obj: Document, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # A figure without a date of its own falls back on its chain's document date.
        if change and DOCUMENT_CHECKED_FIELDS & set(form.changed_data):
            checks_enqueue(claim_ids=set(claim_ids_citing_document(document_id=obj.pk)))
