"""Query filters of the list endpoints (django-filter).

Filters that look into chains or flags select claim ids with a subquery (`id__in`), never a
join, so a claim never comes back twice and no DISTINCT is needed over a large table.
"""

from __future__ import annotations

import datetime as dt

import django_filters as filters
from django import forms
from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import Q, QuerySet
from django_filters.fields import IsoDateTimeField

from claims.models import AttributionLink, Claim, ClaimStatus, Figure, Flag, FlagCode, FlagKind, FlagStatus
from claims.selectors import claim_ids_with_origin_grade, claims_matching, origin_links
from sources.models import Document, Grade, Source, SourceKind

UNGRADED_CHOICE = "ungraded"


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 instant, turned into UTC here: PostgreSQL refuses offsets beyond 15 hours
    (-19:33 is valid ISO but not a real zone), and an instant near year 9999 can overflow."""

    def to_python(self, value: str | None) -> dt.datetime | None:
        parsed = super().to_python(value)
        try:
            return parsed.astimezone(dt.UTC) if parsed is not None else None
        except OverflowError:
            raise forms.ValidationError("This instant is outside the range of dates the tracker keeps.") from None


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField
# The text search configuration; the index docs/api.md recommends must use the same one.
SEARCH_CONFIG = "english"


def claim_text_search(queryset: QuerySet[Claim], term: str) -> QuerySet[Claim]:
    """Full-text search on PostgreSQL (words in any order, "quoted phrases", -exclusions), and
    a case-insensitive substring match where the database has no text search (SQLite)."""
    if settings.IS_POSTGRES:
        vector = SearchVector("text", config=SEARCH_CONFIG)
        return queryset.annotate(search_vector=vector).filter(
            search_vector=SearchQuery(term, config=SEARCH_CONFIG, search_type="websearch")
        )
    return claims_matching(queryset=queryset, term=term)


class ClaimFilter(filters.FilterSet):
    # distinct=False: django-filter adds DISTINCT for the sake of to-many lookups, but status is a
    # column of the claim itself, and DISTINCT over the page's columns (text included) made
    # PostgreSQL sort and compare rows instead of just reading the primary key index backwards.
    status = filters.MultipleChoiceFilter(
        choices=ClaimStatus.choices, distinct=False, help_text="One or more verdicts."
    )
    tag = filters.CharFilter(method="filter_tag", help_text="Claims with this tag.")
    metric = filters.CharFilter(method="filter_metric", help_text="Claims with a figure on this metric (key).")
    source = filters.CharFilter(method="filter_source", help_text="Claims citing this source (key) in any link.")
    origin = filters.CharFilter(method="filter_origin", help_text="Claims with this source (key) as an origin.")
    origin_grade = filters.ChoiceFilter(
        choices=[*Grade.choices, (UNGRADED_CHOICE, "ungraded")], method="filter_origin_grade",
        help_text="Claims with an origin of this effective grade (inherited from parents).",
    )
    has_open_flags = filters.BooleanFilter(method="filter_open_flags")
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = UtcDateTimeFilter(field_name="updated_at", lookup_expr="lt")
    as_of_after = filters.DateFilter(method="filter_as_of_after", help_text="Claims with a figure dated on or after.")
    as_of_before = filters.DateFilter(method="filter_as_of_before", help_text="Claims with a figure dated before.")
    q = filters.CharFilter(method="filter_search", max_length=500, help_text="Search the claim text.")

    class Meta:
        model = Claim
        fields: list[str] = []

    def filter_tag(self, queryset, name, value):
        return queryset.filter(id__in=Claim.tags.through.objects.filter(tag__name=value).values("claim_id"))

    def filter_metric(self, queryset, name, value):
        return queryset.filter(id__in=Figure.objects.filter(metric__key=value).values("claim_id"))

    def filter_source(self, queryset, name, value):
        return queryset.filter(
            id__in=AttributionLink.objects.filter(source__key=value).values("attribution__claim_id")
        )

    def filter_origin(self, queryset, name, value):
        return queryset.filter(id__in=origin_links().filter(source__key=value).values("attribution__claim_id"))

    def filter_origin_grade(self, queryset, name, value):
        grade = "" if value == UNGRADED_CHOICE else value
        return queryset.filter(id__in=claim_ids_with_origin_grade(grade=grade))

    def filter_open_flags(self, queryset, name, value):
        open_flags = Flag.objects.filter(status=FlagStatus.OPEN)
        flagged = Q(id__in=open_flags.values("claim_a_id")) | Q(
            id__in=open_flags.filter(claim_b__isnull=False).values("claim_b_id")
        )
        return queryset.filter(flagged) if value else queryset.exclude(flagged)

    def filter_as_of_after(self, queryset, name, value):
        return queryset.filter(id__in=Figure.objects.filter(as_of__gte=value).values("claim_id"))

    def filter_as_of_before(self, queryset, name, value):
        return queryset.filter(id__in=Figure.objects.filter(as_of__lt=value).values("claim_id"))

    def filter_search(self, queryset, name, value):
        return claim_text_search(queryset, value) if value.strip() else queryset


class SourceFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=SourceKind.choices)
    country = filters.CharFilter(max_length=2)
    reliability = filters.ChoiceFilter(choices=Grade.choices, help_text="The source's own grade.")
    parent = filters.CharFilter(field_name="parent__key", help_text="Sources under this parent (key).")

    class Meta:
        model = Source
        fields: list[str] = []


class DocumentFilter(filters.FilterSet):
    publisher = filters.CharFilter(field_name="publisher__key")
    published_after = filters.DateFilter(field_name="published", lookup_expr="gte")
    published_before = filters.DateFilter(field_name="published", lookup_expr="lt")

    class Meta:
        model = Document
        fields: list[str] = []


class FlagFilter(filters.FilterSet):
    # Columns of the flag itself: no DISTINCT needed (see ClaimFilter.status).
    status = filters.MultipleChoiceFilter(choices=FlagStatus.choices, distinct=False)
    kind = filters.ChoiceFilter(choices=FlagKind.choices)
    code = filters.MultipleChoiceFilter(choices=FlagCode.choices, distinct=False)
    metric = filters.CharFilter(field_name="metric__key")
    claim = filters.CharFilter(method="filter_claim", help_text="Flags involving this claim (key).")

    class Meta:
        model = Flag
        fields: list[str] = []

    def filter_claim(self, queryset, name, value):
        return queryset.filter(Q(claim_a__key=value) | Q(claim_b__key=value))
