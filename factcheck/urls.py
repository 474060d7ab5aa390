from django.contrib import admin
from django.urls import include, path

from claims import admin_intake, admin_reports
from claims.admin import bundle as admin_bundle
from claims.reports.urls import api_patterns as report_api_patterns
from factcheck.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Report exports in the admin: before admin.site.urls, which would otherwise claim the path.
    path("admin/reports/", include(admin_reports.urlpatterns)),
    path("admin/bundle/", include(admin_bundle.urlpatterns)),
    path("admin/intake/", include(admin_intake.urlpatterns)),
    path("admin/", admin.site.urls),
    path("reports/", include("claims.reports.urls")),
    # Before the general API include, so that its routes cannot shadow the report endpoints.
    path("api/v1/reports/", include(report_api_patterns)),
    path("api/v1/", include("claims.api.urls")),
]
