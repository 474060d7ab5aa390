"""Run every check in process (no broker needed) and print what changed, by code."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db.models import Count

from claims.checks.engine import sweep_all
from claims.models import Flag, FlagCode, FlagStatus


class Command(BaseCommand):
    help = "Run all checks now, in this process, and print opened/resolved/still open counts by code."

    def handle(self, *args, **options) -> None:
        summary = sweep_all()
        still_open = dict(
            Flag.objects.filter(status=FlagStatus.OPEN).values_list("code").annotate(n=Count("id")).values_list(
                "code", "n"
            )
        )
        self.stdout.write(f"{'code':<24} {'opened':>7} {'resolved':>9} {'open':>6}")
        for code in FlagCode.values:
            opened = summary[(code, "opened")] + summary[(code, "reopened")]
            self.stdout.write(f"{code:<24} {opened:>7} {summary[(code, 'resolved')]:>9} {still_open.get(code, 0):>6}")
