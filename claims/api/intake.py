"""POST /api/v1/intake/: an article's text in, a draft bundle out. Nothing is stored; the caller
reviews the draft and sends the claims it keeps through the claim endpoints or a bundle import.

Drafting proposes claims, so it needs the right to add claims: editors, and api consumers with
the write grant (RolePermission on Claim, as for POST /claims/)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.api import schema
from claims.api.exceptions import api_error
from claims.api.serializers import (
    KEY_PATTERN,
    LANGUAGE_PATTERN,
    AttributionSerializer,
    ErrorSerializer,
    FigureSerializer,
    KeyField,
    PartialDateField,
)
from claims.api.views import ApiViewMixin
from claims.bundle.schema import FORMAT
from claims.intake import MAX_TEXT_CHARS, intake_draft
from claims.intake.draft import TITLE_MAX, URL_MAX
from claims.models import Claim, ClaimStatus
from sources.models import SourceKind

# Four bytes per character is the most UTF-8 needs; the rest is room for the other fields and
# JSON escapes. Checked before the body is read, so a 10 MB paste costs nothing to refuse.
MAX_BODY_BYTES = 4 * MAX_TEXT_CHARS + 64 * 1024


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


# drf-spectacular turns every enum into a named component, and a second set of values under a
# field name the record serializers already use ("format", "status") is a naming collision, which
# `check --deploy` reports. One-value fields are described by a pattern instead.
@extend_schema_field({"type": "string", "enum": list(SourceKind.values)})
class SourceKindField(serializers.CharField):
    pass


@extend_schema_field({"type": "string", "pattern": f"^{FORMAT}$"})
class FormatField(serializers.CharField):
    pass


@extend_schema_field({"type": "string", "pattern": f"^{ClaimStatus.UNREVIEWED.value}$"})
class DraftStatusField(serializers.CharField):
    pass


class ArticleSerializer(serializers.Serializer):
    """What POST /intake/ takes: one article."""

    text = serializers.CharField(
        max_length=MAX_TEXT_CHARS, help_text="The article's text (English), archived with the draft document."
    )
    publisher = KeyField(help_text="Key of the stored source that published the article.")
    published = PartialDateField(help_text="Publication date: 2025, 2025-08 or 2025-08-22; anchors 'in April'.")
    url = serializers.URLField(required=False, max_length=URL_MAX)
    title = serializers.CharField(required=False, max_length=TITLE_MAX)


class DraftSourceSerializer(serializers.Serializer):
    key = serializers.RegexField(KEY_PATTERN, max_length=100)
    name = serializers.CharField(max_length=300, help_text="As the article writes it.")
    kind = SourceKindField(help_text="Guessed from the words of the name.")


class DraftDocumentSerializer(serializers.Serializer):
    key = serializers.RegexField(KEY_PATTERN, max_length=100)
    title = serializers.CharField(max_length=TITLE_MAX)
    url = serializers.URLField(required=False, max_length=URL_MAX)
    publisher = KeyField()
    published = PartialDateField()
    language = serializers.RegexField(LANGUAGE_PATTERN)
    text = serializers.CharField()


class DraftMetricSerializer(serializers.Serializer):
    key = serializers.RegexField(KEY_PATTERN, max_length=100)
    name = serializers.CharField(max_length=300)
    unit = serializers.CharField(max_length=50, required=False)
    cumulative = serializers.BooleanField(help_text="Guessed: true for outcomes like killed or wounded.")


class DraftClaimSerializer(serializers.Serializer):
    key = serializers.RegexField(KEY_PATTERN, max_length=100, help_text="The document's key and the sentence number.")
    text = serializers.CharField(max_length=5000, help_text="The sentence, verbatim.")
    status = DraftStatusField(help_text="Always unreviewed: a draft has no verdict.")
    figures = FigureSerializer(many=True, required=False)
    attributions = AttributionSerializer(many=True, help_text="One chain: the publisher first.")


class IntakeDraftSerializer(serializers.Serializer):
    """A factcheck-bundle/1 bundle; its references may name stored records."""

    format = FormatField()
    sources = DraftSourceSerializer(many=True, help_text="Proposed new sources (names no stored source has).")
    documents = DraftDocumentSerializer(many=True, help_text="The article itself.")
    metrics = DraftMetricSerializer(many=True, help_text="Proposed new metrics.")
    claims = DraftClaimSerializer(many=True)


class IntakeView(ApiViewMixin, APIView):
    """Draft claims from an article's text."""

    permission_model = Claim

    @extend_schema(
        operation_id="intake_create",
        summary="Draft claims from an article (writes nothing)",
        request=ArticleSerializer,
        responses={
            200: OpenApiResponse(IntakeDraftSerializer, description="The draft bundle."),
            413: OpenApiResponse(ErrorSerializer, description=f"The body is larger than {MAX_BODY_BYTES:,} bytes."),
            **schema.error_responses((400, 401, 403, 406, 415, 429)),
        },
    )
    def post(self, request: Request) -> Response:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            raise api_error(
                PayloadTooLarge,
                f"The body is {length:,} bytes; the limit is {MAX_BODY_BYTES:,} (about {MAX_TEXT_CHARS:,} "
                "characters of text). Send one article at a time.",
                "text",
            )
        incoming = ArticleSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        fields = incoming.validated_data
        draft = intake_draft(
            text=fields["text"], publisher=fields["publisher"], published=fields["published"],
            url=fields.get("url", ""), title=fields.get("title", ""),
        )
        return Response(draft.bundle)
