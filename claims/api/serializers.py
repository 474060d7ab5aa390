"""Representations of the API: the bundle contract's records (same field names, same shapes),
plus the read-only `version` and timestamps.

A record's fields are rendered by the bundle exporter's own functions, so an API record and an
exported one cannot drift apart; the serializer fields below describe them in the OpenAPI schema
(the schemathesis test checks that the two agree). The claim list builds the same records from plain
rows (claims.api.claim_records), tested against ClaimSerializer. Serializers do not validate writes:
request bodies go as they are to claims.services, which apply the bundle import's rules.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.bundle.exporter import (
    claim_to_record,
    document_to_record,
    flag_to_record,
    metric_to_record,
    source_to_record,
)
from claims.models import ClaimStatus, FlagCode, FlagKind, FlagStatus, Qualifier
from sources.models import Grade, SourceKind

KEY_PATTERN = r"^[a-z0-9][a-z0-9-]{0,99}$"
PARTIAL_DATE_PATTERN = r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"
LANGUAGE_PATTERN = r"^[a-z]{2,3}$"
READ_ONLY_FIELDS = ("version", "created_at", "updated_at")


def KeyField(**kwargs: Any) -> serializers.RegexField:
    return serializers.RegexField(KEY_PATTERN, max_length=100, **kwargs)


def PartialDateField(**kwargs: Any) -> serializers.RegexField:
    kwargs.setdefault("help_text", "ISO 8601 date at year, month or day precision: 2025, 2025-04, 2025-04-15.")
    return serializers.RegexField(PARTIAL_DATE_PATTERN, max_length=10, **kwargs)


@extend_schema_field({"type": "number", "minimum": 0})
class NumberField(serializers.Field):
    """A stored decimal as a JSON number: whole values as integers (600, not 600.000000)."""


class VersionedSerializer(serializers.Serializer):
    """A stored record: the exporter's record plus the version and timestamps."""

    to_record: Callable[[Any], dict[str, Any]]
    version = serializers.IntegerField(read_only=True, help_text="Raised by every change; send it back in If-Match.")
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        record = type(self).to_record(instance)
        for name in READ_ONLY_FIELDS:
            record[name] = self.fields[name].to_representation(getattr(instance, name))
        return record


class SourceSerializer(VersionedSerializer):
    to_record = staticmethod(source_to_record)
    key = KeyField()
    name = serializers.CharField(max_length=300)
    kind = serializers.ChoiceField(choices=SourceKind.choices)
    country = serializers.RegexField(r"^[A-Z]{2}$", required=False, help_text="ISO 3166-1 alpha-2 code.")
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=300), source="alias_list", required=False
    )
    parent = KeyField(source="parent.key", required=False, help_text="Key of the organisation this source belongs to.")
    reliability = serializers.ChoiceField(
        choices=Grade.choices, required=False,
        help_text="Admiralty grade; absent means ungraded (the parent's grade applies).",
    )
    url = serializers.URLField(required=False, max_length=1000)
    wikidata = serializers.RegexField(r"^Q[1-9][0-9]*$", required=False)
    notes = serializers.CharField(required=False)


class DocumentSerializer(VersionedSerializer):
    to_record = staticmethod(document_to_record)
    key = KeyField()
    title = serializers.CharField(max_length=500)
    url = serializers.URLField(required=False, max_length=1000)
    publisher = KeyField(source="publisher.key", required=False, help_text="Key of the publishing source.")
    published = PartialDateField(source="published_display", required=False)
    language = serializers.RegexField(LANGUAGE_PATTERN, required=False)
    text = serializers.CharField(required=False, help_text="Archived text of the document, kept against link rot.")
    sha256 = serializers.RegexField(
        r"^[0-9a-f]{64}$", required=False,
        help_text="SHA-256 of `text` (UTF-8); written on every save, and checked against `text` when sent.",
    )


class MetricSerializer(VersionedSerializer):
    to_record = staticmethod(metric_to_record)
    key = KeyField()
    name = serializers.CharField(max_length=300)
    unit = serializers.CharField(max_length=50, required=False)
    cumulative = serializers.BooleanField(required=False, help_text="The true value can only grow over time.")
    tolerance = serializers.DecimalField(
        max_digits=7, decimal_places=6, min_value=Decimal(0), max_value=Decimal(1), required=False,
        coerce_to_string=False, help_text="Relative half-width given to an approximate figure (default 0.1).",
    )
    window_days = serializers.IntegerField(
        min_value=0, max_value=3650, required=False,
        help_text="Figures whose dates lie at most this far apart are contemporaneous (default 31).",
    )



class FigureSerializer(serializers.Serializer):
    metric = KeyField(source="metric.key")
    qualifier = serializers.ChoiceField(choices=Qualifier.choices)
    value = NumberField(required=False, help_text="For every qualifier but range.")
    lower = NumberField(required=False, help_text="For a range.")
    upper = NumberField(required=False, help_text="For a range.")
    as_of = PartialDateField(source="as_of_display", required=False)
    text = serializers.CharField(max_length=300, required=False, help_text="The words that state it: 'About 600'.")


class LinkSerializer(serializers.Serializer):
    source = KeyField(source="source.key")
    document = KeyField(source="document.key", required=False)
    verb = serializers.CharField(max_length=50, required=False, help_text="reported, said, citing, quoted ...")
    date = PartialDateField(source="date_display", required=False)
    quote = serializers.CharField(max_length=5000, required=False)


class AttributionSerializer(serializers.Serializer):
    chain = LinkSerializer(
        many=True, source="links.all", min_length=1, max_length=20,
        help_text="Outermost link first; the last link is the origin.",
    )


@extend_schema_field({"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 100}})
class TagListField(serializers.Field):
    """Tag names, sorted (schema only: the exporter renders them)."""


class ClaimSerializer(VersionedSerializer):
    to_record = staticmethod(claim_to_record)
    key = KeyField()
    text = serializers.CharField(max_length=5000, help_text="The statement as made, verbatim.")
    language = serializers.RegexField(LANGUAGE_PATTERN, required=False)
    status = serializers.ChoiceField(
        choices=ClaimStatus.choices, required=False,
        help_text="The verdict; only editors may change it (default unreviewed).",
    )
    tags = TagListField(required=False)
    figures = FigureSerializer(many=True, required=False)
    attributions = AttributionSerializer(many=True, required=False)


class FlagSerializer(serializers.Serializer):
    """The exporter's flag record, plus the id it is addressed by, the review and timestamps.
    (Response only; fields are not marked read-only so that the schema can say which are optional.)"""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=FlagKind.choices)
    code = serializers.ChoiceField(choices=FlagCode.choices)
    metric = KeyField(required=False, help_text="For a conflict: the metric compared.")
    claims = serializers.ListField(child=KeyField(), min_length=1, help_text="Keys of the claims involved, sorted.")
    status = serializers.ChoiceField(choices=FlagStatus.choices)
    version = serializers.IntegerField(
        min_value=1, help_text="Rises with every change (a review or a re-check); the ETag header carries it."
    )
    explanation = serializers.CharField(required=False)
    dismissed_note = serializers.CharField(required=False, help_text="Why an editor dismissed it.")
    dismissed_at = serializers.DateTimeField(required=False)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, flag: Any) -> dict[str, Any]:
        record = {"id": flag.pk, **flag_to_record(flag), "version": flag.version}
        if flag.dismissed_note:
            record["dismissed_note"] = flag.dismissed_note
        for name in ("dismissed_at", "created_at", "updated_at"):
            if getattr(flag, name) is not None:
                record[name] = self.fields[name].to_representation(getattr(flag, name))
        return record


class FlagReviewSerializer(serializers.Serializer):
    """An editor's decision on a flag."""

    status = serializers.ChoiceField(
        choices=[(FlagStatus.DISMISSED, "dismissed"), (FlagStatus.RESOLVED, "resolved")],
        help_text="dismissed: not a problem (needs a note); resolved: the condition no longer holds.",
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    version = serializers.IntegerField(
        required=False, min_value=1,
        help_text="The version reviewed (or send it as If-Match); a flag changed since is refused with 412.",
    )


class ErrorItemSerializer(serializers.Serializer):
    path = serializers.CharField(
        help_text="Where the error is: a field path (`figures[0].value`), a header or a query parameter; "
        "empty for the request as a whole."
    )
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    errors = ErrorItemSerializer(many=True)
    current_version = serializers.IntegerField(required=False, help_text="On 412: the stored version.")


class HistoryEntrySerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    history_date = serializers.DateTimeField()
    history_type = serializers.ChoiceField(choices=[("created", "created"), ("changed", "changed"),
                                                    ("deleted", "deleted")])
    history_user = serializers.CharField(allow_null=True, help_text="Username of who made the change.")
    history_change_reason = serializers.CharField(allow_null=True)
    fields = serializers.DictField(
        child=serializers.JSONField(), help_text="The record's own fields as they were after this change."
    )

