"""Report pages: server-rendered, readable without JavaScript, printable."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from claims.models import Claim, Metric
from claims.reports import pages
from claims.reports.access import report_page
from sources.models import Source


@report_page
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/index.html", pages.index_page())


@report_page
def metric(request: HttpRequest, key: str) -> HttpResponse:
    return render(request, "reports/metric.html", pages.metric_page(get_object_or_404(Metric, key=key)))


@report_page
def claim(request: HttpRequest, key: str) -> HttpResponse:
    return render(request, "reports/claim.html", pages.claim_page(get_object_or_404(Claim, key=key)))


@report_page
def source(request: HttpRequest, key: str) -> HttpResponse:
    return render(request, "reports/source.html", pages.source_page(get_object_or_404(Source, key=key)))
