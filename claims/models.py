"""Metric, Claim, Figure, Attribution chains and Flags: the records fact-checkers work on."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from sources.dates import Precision, format_partial_date
from sources.models import KEY_REGEX, Document, Source, VersionedModel, key_field

DECIMAL = {"max_digits": 30, "decimal_places": 6}


class Metric(VersionedModel):
    """A quantity that figures from different claims can be compared on."""

    key = key_field()
    name = models.CharField(max_length=300)
    unit = models.CharField(max_length=50, blank=True)
    cumulative = models.BooleanField(default=False, help_text="The true value can only grow (deaths to date).")
    tolerance = models.DecimalField(
        max_digits=7, decimal_places=6, default=Decimal("0.1"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Relative half-width given to an approximate figure.",
    )
    window_days = models.PositiveIntegerField(
        default=31, validators=[MaxValueValidator(3650)],
        help_text="Figures whose dates lie at most this many days apart are contemporaneous.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(key__regex=KEY_REGEX), name="metric_key_format"),
            models.CheckConstraint(condition=Q(tolerance__gte=0) & Q(tolerance__lte=1), name="metric_tolerance_range"),
            models.CheckConstraint(condition=Q(window_days__lte=3650), name="metric_window_range"),
        ]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClaimStatus(models.TextChoices):
    UNREVIEWED = "unreviewed", "unreviewed"
    IN_REVIEW = "in_review", "in review"
    ACCURATE = "accurate", "accurate"
    MOSTLY_ACCURATE = "mostly_accurate", "mostly accurate"
    MISLEADING = "misleading", "misleading"
    FALSE = "false", "false"
    UNVERIFIABLE = "unverifiable", "unverifiable"


# Unverified flags only concern claims nobody has ruled on yet.
OPEN_STATUSES = frozenset({ClaimStatus.UNREVIEWED, ClaimStatus.IN_REVIEW})
CLAIM_TEXT_MAX = 5000


class Claim(VersionedModel):
    key = key_field()
    text = models.TextField(help_text="The statement as made, verbatim.")
    language = models.CharField(max_length=3, blank=True)
    status = models.CharField(max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.UNREVIEWED)
    tags = models.ManyToManyField(Tag, blank=True, related_name="claims")
    verdict_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    verdict_at = models.DateTimeField(null=True, blank=True)
    verdict_summary = models.TextField(blank=True, help_text="Short explanation of the verdict, for readers.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[tags])

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(key__regex=KEY_REGEX), name="claim_key_format"),
            models.CheckConstraint(condition=Q(status__in=ClaimStatus.values), name="claim_status_valid"),
        ]
        indexes = [models.Index(fields=["status"], name="claim_status_idx")]

    def __str__(self) -> str:
        return self.text if len(self.text) <= 80 else self.text[:77] + "..."

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Qualifier(models.TextChoices):
    EXACT = "exact", "exact"
    APPROXIMATE = "approximate", "approximate"
    AT_LEAST = "at_least", "at least"
    MORE_THAN = "more_than", "more than"
    AT_MOST = "at_most", "at most"
    LESS_THAN = "less_than", "less than"
    RANGE = "range", "range"


class Figure(models.Model):
    """One number in a claim, on a metric; it stands for an interval of possible true values."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="figures", db_index=False)
    position = models.PositiveSmallIntegerField(default=0)
    # No index of its own: the (metric, as_of) index below starts with it.
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="figures", db_index=False)
    qualifier = models.CharField(max_length=12, choices=Qualifier.choices)
    value = models.DecimalField(null=True, blank=True, **DECIMAL)
    lower = models.DecimalField(null=True, blank=True, **DECIMAL)
    upper = models.DecimalField(null=True, blank=True, **DECIMAL)
    as_of = models.DateField(null=True, blank=True, help_text="First day of the period the figure is for.")
    as_of_precision = models.CharField(max_length=5, choices=Precision.choices, blank=True)
    text = models.CharField(max_length=300, blank=True, help_text="The words that state it: 'About 600'.")
    history = HistoricalRecords(no_db_index=["claim", "metric"])

    class Meta:
        ordering = ["claim_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "position"], name="figure_position_unique"),
            models.CheckConstraint(condition=Q(qualifier__in=Qualifier.values), name="figure_qualifier_valid"),
            models.CheckConstraint(
                condition=(
                    Q(qualifier="range", value__isnull=True, lower__isnull=False, upper__isnull=False)
                    | (~Q(qualifier="range") & Q(value__isnull=False, lower__isnull=True, upper__isnull=True))
                ),
                name="figure_value_or_bounds",
            ),
            models.CheckConstraint(
                condition=Q(lower__lte=models.F("upper")) | Q(lower__isnull=True), name="figure_range_ordered"
            ),
            models.CheckConstraint(
                condition=(Q(value__gte=0) | Q(value__isnull=True)) & (Q(lower__gte=0) | Q(lower__isnull=True)),
                name="figure_non_negative",
            ),
            models.CheckConstraint(
                condition=(Q(as_of__isnull=True) & Q(as_of_precision=""))
                | (Q(as_of__isnull=False) & Q(as_of_precision__in=Precision.values)),
                name="figure_as_of_has_precision",
            ),
        ]
        indexes = [
            models.Index(fields=["metric", "as_of"], name="figure_metric_date_idx"),
        ]

    def __str__(self) -> str:
        return self.text or self.describe()

    def describe(self) -> str:
        return describe_figure(self.qualifier, self.value, self.lower, self.upper)

    @property
    def as_of_display(self) -> str | None:
        return format_partial_date(self.as_of, self.as_of_precision)


class FigureCheck(models.Model):
    """What the checks last derived from a figure, kept by the checks (claims/checks), never by
    writers: the effective period, its length class (0 day, 1 month, 2 year) and the interval of
    possible values, so that the incremental check finds a figure's neighbours through indexes;
    `check_matched` says another, independent claim corroborates it; `check_roots` holds the roots of
    its claim's origins. No row means never checked.

    A table of its own rather than columns of the figure: the first sweep writes all of them for
    every figure, and as figure columns each write made a new version of the whole figure row with
    an entry in every index of the figure table (three fifths of a sweep group's database time at a
    million claims). The metric and claim are copies of the figure's, for the indexes, and the
    checks rewrite the row when the figure moves to another metric."""

    # ON DELETE CASCADE in the database too (migration 0010), so raw deletes of figures never leave
    # a row behind for the neighbour queries to find.
    figure = models.OneToOneField(Figure, on_delete=models.CASCADE, primary_key=True, related_name="checked",
                                  db_constraint=False)
    metric = models.ForeignKey(Metric, on_delete=models.DO_NOTHING, related_name="+", db_index=False,
                               db_constraint=False)
    claim = models.ForeignKey(Claim, on_delete=models.DO_NOTHING, related_name="+", db_index=False,
                              db_constraint=False)
    check_first = models.DateField(null=True, blank=True)
    check_last = models.DateField(null=True, blank=True)
    check_span = models.PositiveSmallIntegerField(null=True, blank=True)
    check_lo = models.DecimalField(max_digits=40, decimal_places=12, null=True, blank=True)
    check_lo_open = models.BooleanField(default=False)
    check_hi = models.DecimalField(max_digits=40, decimal_places=12, null=True, blank=True)
    check_hi_open = models.BooleanField(default=False)
    check_matched = models.BooleanField(null=True, blank=True)
    # Sorted ids ("3,17"; "" without a chain), so that the incremental check reads the independence
    # of a neighbour's claim with the neighbour itself. NULL (not "") means never stored.
    check_roots = models.TextField(null=True, blank=True)  # noqa: DJ001

    class Meta:
        indexes = [
            models.Index(fields=["metric", "check_span", "check_first"], name="figure_check_window_idx"),
            # On PostgreSQL also figure_check_box_idx (migration 0012, not declared here: an
            # expression GiST index that SQLite cannot build), for the decrease search.
        ]

    def __str__(self) -> str:
        return f"checks of figure {self.figure_id}"


def describe_figure(qualifier: str, value: Decimal | None, lower: Decimal | None, upper: Decimal | None) -> str:
    """'about 600', '1,000', '300-600': a figure as an editor writes it, from its fields."""
    if qualifier == Qualifier.RANGE:
        return f"{_num(lower)}-{_num(upper)}"
    if qualifier == Qualifier.EXACT:
        return _num(value)
    return f"{Qualifier(qualifier).label} {_num(value)}"


def _num(value: Decimal | None) -> str:
    if value is None:
        return "?"
    normal = value.normalize()
    return f"{normal:,f}" if normal == normal.to_integral() else f"{normal:f}"


class Attribution(models.Model):
    """One chain of attribution for a claim, outermost link first; the last link is the origin."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="attributions", db_index=False)
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords(no_db_index=["claim"])

    class Meta:
        ordering = ["claim_id", "position"]
        constraints = [models.UniqueConstraint(fields=["claim", "position"], name="attribution_position_unique")]

    def __str__(self) -> str:
        return " -> ".join(link.source.name for link in self.links.all()) or "(empty chain)"


class AttributionLink(models.Model):
    # db_index=False here and on the claim keys below: the (parent, position) unique index starts
    # with the same column and serves every lookup, and each extra index slows every insert.
    attribution = models.ForeignKey(Attribution, on_delete=models.CASCADE, related_name="links", db_index=False)
    position = models.PositiveSmallIntegerField(default=0)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="links")
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT, related_name="links")
    verb = models.CharField(max_length=50, blank=True, help_text="reported, said, citing, quoted ...")
    date = models.DateField(null=True, blank=True)
    date_precision = models.CharField(max_length=5, choices=Precision.choices, blank=True)
    quote = models.TextField(blank=True)
    history = HistoricalRecords(no_db_index=["attribution", "source", "document"])

    class Meta:
        ordering = ["attribution_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attribution", "position"], name="link_position_unique"),
            models.CheckConstraint(
                condition=(Q(date__isnull=True) & Q(date_precision=""))
                | (Q(date__isnull=False) & Q(date_precision__in=Precision.values)),
                name="link_date_has_precision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} ({self.verb})" if self.verb else str(self.source)

    @property
    def date_display(self) -> str | None:
        return format_partial_date(self.date, self.date_precision)


class FlagKind(models.TextChoices):
    CONFLICT = "conflict", "conflict"
    UNVERIFIED = "unverified", "unverified"


class FlagCode(models.TextChoices):
    DISJOINT_FIGURES = "disjoint_figures", "disjoint figures"
    CUMULATIVE_DECREASE = "cumulative_decrease", "cumulative decrease"
    RELAY_MISMATCH = "relay_mismatch", "relay mismatch"
    NO_ATTRIBUTION = "no_attribution", "no attribution"
    NO_DOCUMENT = "no_document", "no document"
    SINGLE_ORIGIN = "single_origin", "single origin"
    LOW_RELIABILITY_ORIGIN = "low_reliability_origin", "low reliability origin"


CONFLICT_CODES = frozenset({FlagCode.DISJOINT_FIGURES, FlagCode.CUMULATIVE_DECREASE, FlagCode.RELAY_MISMATCH})


class FlagStatus(models.TextChoices):
    OPEN = "open", "open"
    RESOLVED = "resolved", "resolved"
    DISMISSED = "dismissed", "dismissed"


class Flag(VersionedModel):
    """One finding of the checks. A conflict names a metric and two claims (claim_a has the lower
    id); an unverified finding names one claim. Partial unique indexes make a second flag for the
    same finding impossible, so recomputing is an upsert. Its version rises with every change, by
    an editor or by the checks, so a review made from a stale copy is refused (If-Match)."""

    kind = models.CharField(max_length=12, choices=FlagKind.choices)
    code = models.CharField(max_length=30, choices=FlagCode.choices)
    # Indexed by flag_metric_idx (metric, status) where set, which starts with it.
    metric = models.ForeignKey(
        Metric, null=True, blank=True, on_delete=models.CASCADE, related_name="flags", db_index=False
    )
    claim_a = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="flags_as_a")
    # The nullable references are indexed where set only (flag_claim_b_idx and the like): an
    # unverified flag names no second claim and no figure, and no flag written by the checks names a
    # dismisser, so full indexes took an entry per flag that no query reads (a first sweep writes
    # 800,000 flags at 1,000,000 claims).
    claim_b = models.ForeignKey(
        Claim, null=True, blank=True, on_delete=models.CASCADE, related_name="flags_as_b", db_index=False
    )
    figure_a = models.ForeignKey(
        Figure, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    figure_b = models.ForeignKey(
        Figure, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    status = models.CharField(max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    explanation = models.TextField(blank=True)
    # What the involved figures and chains looked like when an editor dismissed the flag: a
    # dismissal holds only while this stays the same.
    dismissed_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    dismissed_note = models.TextField(blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # History is read by flag id (and the admin by date and user), never by these references: their
    # indexes only slowed the history row every flag write adds (half a million in a first sweep).
    history = HistoricalRecords(no_db_index=["metric", "claim_a", "claim_b", "figure_a", "figure_b", "dismissed_by"])

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "metric", "claim_a", "claim_b"], condition=Q(kind="conflict"),
                name="flag_one_per_conflict",
            ),
            models.UniqueConstraint(
                fields=["code", "claim_a"], condition=Q(kind="unverified"), name="flag_one_per_unverified",
            ),
            models.CheckConstraint(
                condition=(Q(kind="conflict") & Q(metric__isnull=False) & Q(claim_b__isnull=False)
                           & Q(claim_a__lt=models.F("claim_b")))
                | (Q(kind="unverified") & Q(claim_b__isnull=True)),
                name="flag_shape",
            ),
            models.CheckConstraint(condition=Q(status__in=FlagStatus.values), name="flag_status_valid"),
        ]
        indexes = [
            models.Index(fields=["status", "kind", "code"], name="flag_status_idx"),
            models.Index(fields=["metric", "status"], name="flag_metric_idx", condition=Q(metric__isnull=False)),
            models.Index(fields=["claim_b"], name="flag_claim_b_idx", condition=Q(claim_b__isnull=False)),
            models.Index(fields=["figure_a"], name="flag_figure_a_idx", condition=Q(figure_a__isnull=False)),
            models.Index(fields=["figure_b"], name="flag_figure_b_idx", condition=Q(figure_b__isnull=False)),
            models.Index(
                fields=["dismissed_by"], name="flag_dismissed_by_idx", condition=Q(dismissed_by__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()} ({self.status})"


class FlagDigest(models.Model):
    """One digest of newly opened flags sent to the editors; the latest row says where the next
    digest starts, so a restart of the scheduler neither skips nor repeats flags."""

    sent_at = models.DateTimeField()
    recipients = models.PositiveIntegerField(default=0)
    flags = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_at"]
        get_latest_by = "sent_at"

    def __str__(self) -> str:
        return f"digest of {self.sent_at:%Y-%m-%d %H:%M}"
