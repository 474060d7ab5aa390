"""CPU time of ``claims.figures.parse_figures`` on a long article dense with numbers (target: a
1 MB article in under 2 s of CPU).

Run from the project root:

    .venv/bin/python -m bench.parse_speed [--megabytes 1] [--runs 5]

Prints each run's CPU seconds (``time.process_time``: other work on the machine does not count,
though a crowded host still slows the process's own CPU), the fastest and the median, and whether
the median meets the target. The test suite keeps only a loose bound that catches quadratic
rescanning (tests/claims/test_figures.py); the speed target is measured here.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from claims.figures import parse_figures

TARGET_S = 2.0
# Every shape the parser distinguishes in a few lines: approximate and bounded figures, ranges,
# numbers in words, percentages, dates and ages that are not figures, a URL.
SENTENCES = (
    "Around 600 soldiers were killed out of some 15,000 sent, lawmakers said in April, citing the "
    "intelligence service. ",
    "On 22 August 2025 the 41-year-old leader met 120 returning troops, state media said "
    "(https://example.org/a1b2). ",
    "Between 10 and 20 thousand people came, over 1.2 million watched online, and about three "
    "hundred and fifty veterans, a dozen officers and 3.5% of the force paraded. ",
)


def dense_article(characters: int) -> str:
    text = "".join(SENTENCES)
    return text * (characters // len(text) + 1)


def timed_parse(article: str) -> tuple[float, int]:
    """CPU seconds to parse the article, and how many figures it found."""
    started = time.process_time()
    figures = parse_figures(article)
    return time.process_time() - started, len(figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    article = dense_article(int(args.megabytes * 1_000_000))
    times = []
    for run in range(1, args.runs + 1):
        seconds, found = timed_parse(article)
        times.append(seconds)
        print(f"run {run}: {seconds:.2f} s of CPU, {found:,} figures in {len(article):,} characters", file=sys.stderr)
    median = statistics.median(times)
    verdict = "pass" if median * 1_000_000 / len(article) < TARGET_S else "miss"
    print(f"parse_figures: fastest {min(times):.2f} s, median {median:.2f} s of CPU for "
          f"{len(article):,} characters; target < {TARGET_S} s per 1,000,000: {verdict}")


if __name__ == "__main__":
    main()
