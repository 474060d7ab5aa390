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
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
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


# Up to this many open flags, has_open_flags=true starts from the flags (see filter_open_flags).
FEW_OPEN_FLAGS = 5000
# A search matching at most this many claims is read through the GIN index first (see below).
FEW_MATCHES = 5000


def claim_text_search(queryset: QuerySet[Claim], term: str) -> QuerySet[Claim]:
    """Full-text search on PostgreSQL (words in any order, "quoted phrases", -exclusions), and
    a case-insensitive substring match where the database has no text search (SQLite)."""
    if not settings.IS_POSTGRES:
        return claims_matching(queryset=queryset, term=term)
    query = SearchQuery(term, config=SEARCH_CONFIG, search_type="websearch")
    matches = Claim.objects.annotate(search_vector=SearchVector("text", config=SEARCH_CONFIG)).filter(
        search_vector=query
    ).order_by()
    # The page is the newest matches (ORDER BY id DESC LIMIT n). PostgreSQL guesses how many rows a
    # text query matches from the lexeme statistics and, when it guesses many, walks the primary key
    # backwards testing each claim: right for a common word, but a rare or absent one then recomputes
    # to_tsvector for every claim (5 to 9 s at 1,000,000). Counting up to FEW_MATCHES first (cheap
    # both ways: the GIN index for a rare term, an early stop for a common one) tells the two apart;
    # a rare term's ids are then taken from the index in an ARRAY(), which the planner evaluates once
    # instead of folding it back into the walk.
    if matches.values("id")[: FEW_MATCHES + 1].count() <= FEW_MATCHES:
        sql, params = matches.values("id").query.sql_with_params()
        return queryset.filter(id__in=RawSQL(f"SELECT unnest(ARRAY({sql}))", params))  # noqa: S611
    return queryset.filter(id__in=matches.values("id"))


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
        open_flags = Flag.objects.filter(status=FlagStatus.OPEN).order_by()
        if not value:
            # NOT EXISTS on each side: anti-joins that probe the flags' claim indexes for each claim of
            # the page, so the cost follows the page, not the number of flags.
            return queryset.filter(
                ~Exists(open_flags.filter(claim_a_id=OuterRef("pk"))),
                ~Exists(open_flags.filter(claim_b_id=OuterRef("pk"))),
            )
        # Which plan is cheap depends on how many flags are open, so count them up to FEW_OPEN_FLAGS first
        # (an index scan on flag_status_idx that stops there). Few: one IN over a UNION ALL of both sides,
        # a semi-join that starts from the open flags and reads only the claims they name (two INs joined
        # by OR cannot become a join: PostgreSQL tested every claim, 0.8 s at 1,000,000 with no open flag).
        # Many: EXISTS on each side, tested claim by claim from the newest, which finds a page of flagged
        # claims quickly when they are that common, instead of collecting every open flag first.
        if open_flags.values("id")[: FEW_OPEN_FLAGS + 1].count() <= FEW_OPEN_FLAGS:
            flagged_ids = open_flags.values("claim_a_id").union(
                open_flags.filter(claim_b__isnull=False).values("claim_b_id"), all=True
            )
            return queryset.filter(id__in=flagged_ids)
        return queryset.filter(
            Exists(open_flags.filter(claim_a_id=OuterRef("pk"))) | Exists(open_flags.filter(claim_b_id=OuterRef("pk")))
        )

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
