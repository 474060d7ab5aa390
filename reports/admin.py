"""Export jobs in the admin: read-only records, with a link to the export page. Whoever may export
may see the list, each user their own jobs (superusers all)."""

from django.contrib import admin

from claims.reports.access import can_export
from reports.models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    change_list_template = "reports/admin_exportjob_change_list.html"
    list_display = ("created_at", "format", "status", "rows", "created_by", "finished_at")
    list_filter = ("status", "format")
    readonly_fields = ("id", "created_by", "format", "filters", "status", "rows", "error", "file_name",
                       "created_at", "finished_at")

    def get_queryset(self, request):
        jobs = super().get_queryset(request).select_related("created_by")
        return jobs if request.user.is_superuser else jobs.filter(created_by=request.user)

    def has_module_permission(self, request) -> bool:
        return can_export(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return can_export(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
