"""Who speaks (Source) and where it was said or published (Document)."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from sources.dates import Precision, format_partial_date

KEY_VALIDATOR = RegexValidator(
    r"^[a-z0-9][a-z0-9-]{0,99}$", "A key is 1-100 lowercase letters, digits or hyphens, not starting with a hyphen."
)
# The database's form of the rule: the column's varchar(100) bounds the length, and a bounded
# repetition ({0,99}) made PostgreSQL's regex engine the single largest cost of a bulk COPY of claims.
KEY_REGEX = r"^[a-z0-9][a-z0-9-]*$"
# Parent lines longer than this are data errors (or loops), never real organisations.
MAX_PARENT_DEPTH = 50


class VersionedModel(models.Model):
    """A record with a version number that every save raises, so that a client holding an old
    copy can be told its update is stale (the API's If-Match)."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            self.version = (self.version or 0) + 1
        super().save(*args, **kwargs)


def key_field() -> models.CharField:
    return models.CharField(max_length=100, unique=True, validators=[KEY_VALIDATOR])


class SourceKind(models.TextChoices):
    NEWS_AGENCY = "news_agency", "news agency"
    NEWS_OUTLET = "news_outlet", "news outlet"
    BROADCASTER = "broadcaster", "broadcaster"
    STATE_MEDIA = "state_media", "state media"
    GOVERNMENT = "government", "government"
    LEGISLATURE = "legislature", "legislature"
    LEGISLATOR = "legislator", "legislator"
    MILITARY = "military", "military"
    INTELLIGENCE_AGENCY = "intelligence_agency", "intelligence agency"
    INTERNATIONAL_ORGANIZATION = "international_organization", "international organization"
    NGO = "ngo", "NGO"
    RESEARCH = "research", "research"
    SOCIAL_MEDIA_ACCOUNT = "social_media_account", "social media account"
    PERSON = "person", "person"
    ANONYMOUS_OFFICIALS = "anonymous_officials", "anonymous officials"
    OTHER = "other", "other"


class Grade(models.TextChoices):
    """Admiralty (NATO) source reliability."""

    A = "A", "A: completely reliable"
    B = "B", "B: usually reliable"
    C = "C", "C: fairly reliable"
    D = "D", "D: not usually reliable"
    E = "E", "E: unreliable"
    F = "F", "F: cannot be judged"


LOW_GRADES = frozenset({"D", "E", "F"})


class Source(VersionedModel):
    key = key_field()
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=40, choices=SourceKind.choices)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code, e.g. KR.")
    aliases = models.TextField(blank=True, help_text="Other names, one per line (KCNA, Korean Central News Agency).")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        help_text="The organisation this source belongs to or speaks for.",
    )
    reliability = models.CharField(
        max_length=1, choices=Grade.choices, blank=True,
        help_text="Admiralty grade; leave blank to inherit the parent's grade.",
    )
    url = models.URLField(max_length=1000, blank=True)
    wikidata = models.CharField(max_length=20, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(key__regex=KEY_REGEX), name="source_key_format"),
            models.CheckConstraint(condition=Q(reliability__in=["", *Grade.values]), name="source_grade_valid"),
            models.CheckConstraint(condition=Q(kind__in=SourceKind.values), name="source_kind_valid"),
            models.CheckConstraint(condition=Q(country__regex=r"^([A-Z]{2})?$"), name="source_country_format"),
            models.CheckConstraint(condition=Q(wikidata__regex=r"^(Q[1-9][0-9]*)?$"), name="source_wikidata_format"),
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="source_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]

    def parent_line(self) -> list[Source]:
        """This source and its ancestors, nearest first. Stops at a loop instead of spinning, since
        a loop can only come from bad data that clean() is there to refuse."""
        line: list[Source] = [self]
        seen = {self.pk}
        node = self.parent
        while node is not None and node.pk not in seen and len(line) < MAX_PARENT_DEPTH:
            line.append(node)
            seen.add(node.pk)
            node = node.parent
        return line

    def root(self) -> Source:
        """The top of the parent line: Reuters Asia -> Reuters. Two claims whose origins share a
        root are not independent of each other."""
        return self.parent_line()[-1]

    def effective_reliability(self) -> str:
        """Own grade, else the nearest graded ancestor's, else '' (ungraded)."""
        for node in self.parent_line():
            if node.reliability:
                return node.reliability
        return ""

    def clean(self) -> None:
        super().clean()
        if self.parent_id is None:
            return
        if self.pk is not None and self.parent_id == self.pk:
            raise ValidationError({"parent": "A source cannot be its own parent."})
        node, depth = self.parent, 0
        while node is not None:
            if self.pk is not None and node.pk == self.pk:
                raise ValidationError({"parent": "This parent would make the parent line loop."})
            depth += 1
            if depth > MAX_PARENT_DEPTH:
                raise ValidationError({"parent": "The parent line is too deep."})
            node = node.parent


class Document(VersionedModel):
    key = key_field()
    title = models.CharField(max_length=500)
    url = models.URLField(max_length=1000, blank=True)
    publisher = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    published = models.DateField(null=True, blank=True, help_text="First day of the published period.")
    published_precision = models.CharField(max_length=5, choices=Precision.choices, blank=True)
    language = models.CharField(max_length=3, blank=True)
    text = models.TextField(blank=True, help_text="Archived text, kept against link rot.")
    sha256 = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-published", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(key__regex=KEY_REGEX), name="document_key_format"),
            models.CheckConstraint(
                condition=(Q(published__isnull=True) & Q(published_precision=""))
                | (Q(published__isnull=False) & Q(published_precision__in=Precision.values)),
                name="document_published_has_precision",
            ),
            models.CheckConstraint(condition=Q(language__regex=r"^([a-z]{2,3})?$"), name="document_language_format"),
        ]
        indexes = [models.Index(fields=["publisher", "published"], name="document_publisher_idx")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # The digest always describes the stored text, so it can prove what was archived.
        self.sha256 = text_sha256(self.text)
        super().save(*args, **kwargs)

    @property
    def published_display(self) -> str | None:
        return format_partial_date(self.published, self.published_precision)


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text else ""
