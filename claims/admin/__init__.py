"""The editors' admin, one module per area: claims and metrics, flags (review queue), bundles."""

from claims.admin import bundle, claims, flags  # noqa: F401  (importing registers the admin classes)
