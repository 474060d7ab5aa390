"""The intake run over the seed article: what it drafts, and how long drafting takes.

Reads ../shared/seed/kcna-ceremony-article-2025-08-23.txt at run time (the project keeps no copy
of the article), drafts it as published by `--publisher` on `--published`, and prints a summary:
each draft claim's sentence number, figures (qualifier, value, metric, as_of) and chain, then the
proposed sources and metrics. Sentences themselves are printed only with --sentences, and the
whole draft bundle only with --json.

Everything runs inside a transaction that is rolled back: the publisher is created for the run
when it is not stored, and --known adds the sources a newsroom would already have (KCNA, the NIS
with its aliases), to show names matched instead of proposed. The database keeps nothing.

    .venv/bin/python -m bench.intake_seed [--known] [--sentences] [--json] [--repeat N]

Without DATABASE_URL this uses the quickstart's SQLite file (run `manage.py migrate` once).
--repeat N also times a draft of the article repeated N times (N=420 is just under the 1,000,000-character limit).
Figures from a run are in docs/intake.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django

django.setup()

from django.db import transaction  # noqa: E402

from claims.intake import IntakeDraft, intake_draft  # noqa: E402
from claims.intake.jsontext import dumps  # noqa: E402
from sources.models import Source  # noqa: E402

SEED = Path(__file__).resolve().parent.parent.parent / "shared" / "seed" / "kcna-ceremony-article-2025-08-23.txt"
KNOWN = [
    {"key": "kcna", "name": "Korean Central News Agency", "kind": "state_media", "country": "KP", "aliases": "KCNA"},
    {"key": "nis", "name": "National Intelligence Service", "kind": "intelligence_agency", "country": "KR",
     "aliases": "NIS\nSouth Korea's spy agency\nthe country's intelligence agency"},
]


def summary(draft: IntakeDraft, *, sentences: bool) -> str:
    lines = []
    by_key = {s.claim_key: s for s in draft.sentences}
    for claim in draft.claims:
        where = by_key[claim["key"]]
        lines.append(f"sentence {where.index} -> {claim['key']}")
        if sentences:
            lines.append(f"    {where.text}")
        for figure in claim.get("figures", []):
            amount = (f"{figure['lower']}-{figure['upper']}" if figure["qualifier"] == "range"
                      else str(figure["value"]))
            lines.append(f"    figure {figure['text']!r}: {figure['qualifier']} {amount} on {figure['metric']}"
                         f"{' as of ' + figure['as_of'] if 'as_of' in figure else ''}")
        chain = " -> ".join(
            f"{link['source']} ({link.get('verb', '')}{', ' + link['date'] if 'date' in link else ''})"
            for link in claim["attributions"][0]["chain"]
        )
        lines.append(f"    chain: {chain}")
    lines.append("proposed sources: " + ", ".join(f"{s['key']} [{s['kind']}]" for s in draft.bundle["sources"]))
    lines.append("proposed metrics: " + ", ".join(
        f"{m['key']}{' (cumulative)' if m['cumulative'] else ''}" for m in draft.bundle["metrics"]))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", type=Path, default=SEED)
    parser.add_argument("--publisher", default="reuters")
    parser.add_argument("--published", default="2025-08-23")
    parser.add_argument("--known", action="store_true", help="store KCNA and the NIS (with aliases) for the run")
    parser.add_argument("--sentences", action="store_true", help="print each draft's sentence")
    parser.add_argument("--json", action="store_true", help="print the draft bundle")
    parser.add_argument("--repeat", type=int, default=0, help="also time the article repeated N times")
    args = parser.parse_args()
    text = args.file.read_text(encoding="utf-8")
    with transaction.atomic():
        if not Source.objects.filter(key=args.publisher).exists():
            Source.objects.create(key=args.publisher, name=args.publisher.title(), kind="news_agency")
        if args.known:
            for record in KNOWN:
                Source.objects.get_or_create(key=record["key"], defaults=record)
        started = time.perf_counter()
        draft = intake_draft(text=text, publisher=args.publisher, published=args.published)
        took = time.perf_counter() - started
        print(summary(draft, sentences=args.sentences))
        print(f"{len(text):,} characters, {len(draft.claims)} draft claims in {took * 1000:.0f} ms")
        if args.repeat:
            big = "\n\n".join([text] * args.repeat)
            started = time.perf_counter()
            big_draft = intake_draft(text=big, publisher=args.publisher, published=args.published)
            took = time.perf_counter() - started
            print(f"x{args.repeat}: {len(big):,} characters, {len(big_draft.claims)} draft claims in {took:.2f} s")
        if args.json:
            print(dumps(draft.bundle))
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
