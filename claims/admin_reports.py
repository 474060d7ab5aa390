"""The attribution export in the admin: a standalone page (admin/reports/export/) that streams a
download now or queues a background job. Mounted from factcheck/urls.py, wrapped in admin_view."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from claims.models import ClaimStatus, FlagCode
from claims.reports.access import can_export
from claims.reports.rows import ReportFilterError, ReportFilters
from claims.reports.services import export_job_create, export_response
from reports.models import ExportFormat, ExportJob


class ExportForm(forms.Form):
    format = forms.ChoiceField(choices=ExportFormat.choices)
    metric = forms.CharField(required=False, help_text="Metric key")
    tag = forms.CharField(required=False)
    source = forms.CharField(required=False, help_text="Source key")
    date_from = forms.CharField(required=False, label="From", help_text="YYYY, YYYY-MM or YYYY-MM-DD")
    date_to = forms.CharField(required=False, label="To")
    status = forms.MultipleChoiceField(required=False, choices=ClaimStatus.choices,
                                       widget=forms.CheckboxSelectMultiple)
    flag = forms.ChoiceField(required=False, choices=[("", "any"), *FlagCode.choices], label="Open flag")

    def report_filters(self) -> ReportFilters:
        data = self.cleaned_data
        params = {"metric": data["metric"], "tag": data["tag"], "source": data["source"], "from": data["date_from"],
                  "to": data["date_to"], "status": ",".join(data["status"]), "flag": data["flag"]}
        try:
            return ReportFilters.from_params(params)
        except ReportFilterError as exc:
            names = {"from": "date_from", "to": "date_to"}
            for name, message in exc.errors.items():
                self.add_error(names.get(name, name), message)
            raise


def export_view(request: HttpRequest) -> HttpResponse:
    if not can_export(request.user):
        raise PermissionDenied("Only researchers and editors may export reports.")
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            filters = form.report_filters()
        except ReportFilterError:
            filters = None
        if filters is not None:
            if "background" in request.POST:
                job = export_job_create(user=request.user, fmt=form.cleaned_data["format"], filters=filters)
                messages.success(request, f"Export queued as job {job.pk}; its file appears below when done.")
                return redirect("admin-reports-export")
            return export_response(form.cleaned_data["format"], filters)
    context = {
        **admin.site.each_context(request),
        "title": "Export attribution report",
        "form": form,
        "jobs": ExportJob.objects.filter(created_by=request.user)[:20],
    }
    return TemplateResponse(request, "reports/admin_export.html", context)


urlpatterns = [path("export/", admin.site.admin_view(export_view), name="admin-reports-export")]
