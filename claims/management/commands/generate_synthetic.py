"""python manage.py generate_synthetic --claims N [--seed S]: a synthetic newsroom for benchmarks."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from claims.synthetic import KNOWN_SHARE, OUTLIER_SHARE, SyntheticPlan, generate


class Command(BaseCommand):
    help = "Generate a realistic synthetic data set (sources, documents, metrics, claims, figures, chains)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--claims", type=int, required=True, help="Number of claims to generate.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (same seed, same data).")
        parser.add_argument(
            "--hot-metric-figures",
            type=int,
            default=0,
            help="Put this many figures on one metric (for the incremental-check benchmark).",
        )
        parser.add_argument(
            "--outlier-share",
            type=float,
            default=OUTLIER_SHARE,
            help="Share of figures made 1.3 times too high or too low: the only source of "
            f"conflicts (at most a few per metric; default {OUTLIER_SHARE}).",
        )
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")

    def handle(
        self, *args, claims: int, seed: int, hot_metric_figures: int, outlier_share: float, quiet: bool, **options
    ) -> None:
        if claims < 1:
            raise CommandError("--claims must be at least 1")
        if not 0 <= outlier_share <= 1:
            raise CommandError("--outlier-share must be between 0 and 1")
        plan = SyntheticPlan(
            claims=claims, seed=seed, hot_metric_figures=hot_metric_figures, outlier_share=outlier_share
        )
        started = time.monotonic()
        counts = generate(plan, progress=None if quiet else _progress_bar(started))
        elapsed = time.monotonic() - started
        if not quiet:
            sys.stderr.write("\n")
        rows = ", ".join(
            f"{value:,} {name}" for name, value in counts.items() if name != "seconds" and name not in KNOWN_SHARE
        )
        # The claims' stage (generating and writing their rows) apart from the index builds after it.
        stage = max(counts["seconds"], 0.01)
        self.stdout.write(
            f"Generated {rows} in {elapsed:.1f}s ({claims / elapsed:,.0f} claims/s; "
            f"the claims' rows in {stage:.1f}s, {claims / stage:,.0f} claims/s)."
        )
        # The findings planted on purpose, so that a run of the checks can be compared with them.
        planted = ", ".join(f"{counts[name]:,} {name.replace('_', ' ')}" for name in KNOWN_SHARE)
        self.stdout.write(f"Known share: {planted} (the claims among those the checks examine).")


def _progress_bar(started: float):
    def show(stage: str, done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        rate = done / max(time.monotonic() - started, 1e-9)
        sys.stderr.write(f"\r{stage} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} {rate:,.0f}/s")
        sys.stderr.flush()

    return show
