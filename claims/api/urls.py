"""/api/v1/: the records, flags, the OpenAPI schema and its interactive docs."""

from __future__ import annotations

from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from claims.api import schema  # noqa: F401  (registers the token scheme with drf-spectacular)
from claims.api.flag_views import FlagViewSet
from claims.api.intake import IntakeView
from claims.api.views import (
    ClaimViewSet,
    DocsView,
    DocumentViewSet,
    MetricViewSet,
    SchemaView,
    SourceViewSet,
    api_not_found,
)

app_name = "api-v1"

router = DefaultRouter()
router.register("sources", SourceViewSet, basename="source")
router.register("documents", DocumentViewSet, basename="document")
router.register("metrics", MetricViewSet, basename="metric")
router.register("claims", ClaimViewSet, basename="claim")
router.register("flags", FlagViewSet, basename="flag")

urlpatterns = [
    path("schema/", SchemaView.as_view(api_version="v1"), name="schema"),
    path("docs/", DocsView.as_view(url_name="api-v1:schema"), name="docs"),
    path("intake/", IntakeView.as_view(), name="intake"),
    *router.urls,
    # Anything else under /api/v1/ is a JSON 404, like every other API error.
    re_path(r"^", api_not_found),
]
