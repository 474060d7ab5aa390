"""Report pages (mounted at reports/) and the export API (mounted at api/v1/reports/)."""

from django.urls import path

from claims.reports import api, views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("metrics/<slug:key>/", views.metric, name="metric"),
    path("claims/<slug:key>/", views.claim, name="claim"),
    path("sources/<slug:key>/", views.source, name="source"),
]

api_patterns = (
    [
        path("export/<str:export_format>/", api.ExportView.as_view(), name="export"),
        path("jobs/", api.JobListView.as_view(), name="jobs"),
        path("jobs/<uuid:job_id>/", api.JobView.as_view(), name="job"),
        path("jobs/<uuid:job_id>/download/", api.JobDownloadView.as_view(), name="job-download"),
    ],
    "reports-api",
)
