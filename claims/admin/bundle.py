"""Admin pages for bundles: editors upload one to import, editors and researchers download an
export. Plain views wrapped in admin_view (staff login) plus a role check; the rules live in
claims.bundle, the views only carry files and messages."""

from __future__ import annotations

import io
import tempfile

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from accounts.roles import EDITOR, RESEARCHER
from claims.bundle.errors import BundleInvalid
from claims.bundle.exporter import bundle_export
from claims.bundle.importer import bundle_import_stream


def _has_role(user, *roles: str) -> bool:
    return user.is_active and (user.is_superuser or user.groups.filter(name__in=roles).exists())


class BundleUploadForm(forms.Form):
    bundle = forms.FileField(help_text="A factcheck-bundle/1 JSON file. Nothing is written if any record is wrong.")

    def clean_bundle(self):
        upload = self.cleaned_data["bundle"]
        limit = settings.BUNDLE_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"The file is {upload.size:,} bytes; the limit is {limit:,}.")
        return upload


def bundle_import_view(request: HttpRequest) -> HttpResponse:
    if not _has_role(request.user, EDITOR):
        raise PermissionDenied("Only editors may import bundles.")
    context = {**admin.site.each_context(request), "title": "Import a bundle", "errors": None, "result": None}
    form = BundleUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            context["result"] = bundle_import_stream(stream=form.cleaned_data["bundle"], user=request.user)
        except BundleInvalid as exc:
            context["errors"] = exc.errors
    context["form"] = form
    status = 400 if context["errors"] or (request.method == "POST" and not form.is_valid()) else 200
    return render(request, "admin/bundle/import.html", context, status=status)


def bundle_export_view(request: HttpRequest) -> HttpResponse:
    if not _has_role(request.user, EDITOR, RESEARCHER):
        raise PermissionDenied("Only editors and researchers may export bundles.")
    # Spooled to a temporary file: the export streams out of the database in bounded memory.
    spool = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it once sent)
    text = io.TextIOWrapper(spool, encoding="utf-8")
    bundle_export(stream=text)
    text.flush()
    text.detach()
    spool.seek(0)
    name = f"factcheck-bundle-{timezone.now():%Y%m%d-%H%M%S}.json"
    return FileResponse(spool, as_attachment=True, filename=name, content_type="application/json")


urlpatterns = [
    path("import/", admin.site.admin_view(bundle_import_view), name="bundle_import"),
    path("export/", admin.site.admin_view(bundle_export_view), name="bundle_export"),
]
