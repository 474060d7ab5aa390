"""Score ``claims.figures.parse_figures`` on the Recognizers-Text English number specs.

Run from the project root:

    .venv/bin/python -m bench.eval_figures [--eval-dir DIR] [--verbose]

NumberModel.json: a case is an input whose expected results hold a non-negative integer or
decimal, or an input whose expected results are empty (we must then report nothing). It is
right when the values we report equal those expected, as multisets. Expected results of
other kinds (fractions, powers, negatives, unnamed subtypes) are left out, and so are our
figures that overlap them.

NumberRangeModel.json: a case is right when every expected range is matched by one of our
figures with the same bounds, and every bounded figure we report (at least, more than, at
most, less than, range) is expected. Plain counts are not ranges, so the spec lists none
and they are not penalised. Open or closed ends are not compared: our ranges are closed.

DELIBERATE lists the inputs where our meaning differs on purpose, with the reason; they are
shown apart and left out of the share.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from claims.figures import ParsedFigure, parse_figures

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EVAL_DIR = ROOT.parent / "shared" / "eval" / "recognizers-text"

Bounds = tuple[Decimal | None, Decimal | None]

DATE = "a date: its digits are not counts"
PHONE = "a phone number"
IP = "an IP address"
NAME = "digits inside a name or identifier (SCP-173)"
DECIMAL_COMMA = "a decimal comma: English news writes 1.3, and 5,00 / 1,3 read as lists"
GIGA = "G as a multiplier: in news '5G' and '4G' are technologies, never 5 billion"
VERSION = "a version number ('version two')"
ORDINAL = "ordinals are ranks, not counts"
NEGATIVE = "negative numbers: counts are never negative"
FRACTION = "fractions and ratios are not reported"
AGE = "an age ('thirty years old') is not a count"
RANGE_WANTED = "the spec reports nothing here (its date model claims 'in 2008'); we read a range"

DELIBERATE: dict[str, dict[str, str]] = {
    "NumberModel.json": {
        "192.168.1.2": IP,
        "Any time to meet on 5/17/2018?": DATE,
        "My phone number is +1-222-2222/2222": PHONE,
        "SCP-173": NAME,
        "In some countries you can write 5.00 or 5,00.": DECIMAL_COMMA,
        "The number is 1,3.": DECIMAL_COMMA,
        "1.111,11, 1,111.11": DECIMAL_COMMA,
        "10G": GIGA,
        "1,674.5 G": GIGA,
        "we will be working on releasing version two and a previous version will still be "
        "maintained": VERSION,
    },
    "NumberRangeModel.json": {
        "He ranks between the tenth and the fifteenth.": ORDINAL,
        "He ranks higher than the tenth but lower than the fifteenth.": ORDINAL,
        "He scores between negative ten and fifteen.": NEGATIVE,
        "Is it still the case when <-30": NEGATIVE,
        "Is it still the case when <=  -30": NEGATIVE,
        "The number is above one quarter and below a half.": FRACTION,
        "More than 1/2 of the people came here.": FRACTION,
        "more than half people came here": FRACTION,
        "How about 2 in 5 or more": FRACTION,
        "He is more than thirty years old.": AGE,
        "He is over thirty years old.": AGE,
        "The number is from 200 to 300 in 2008": RANGE_WANTED,
    },
}


def _values(figures: Iterable[ParsedFigure]) -> list[Decimal]:
    out: list[Decimal] = []
    for f in figures:
        out.extend(v for v in (f.value, f.lower, f.upper) if v is not None)
    return out


def _overlaps(f: ParsedFigure, spans: list[tuple[int, int]]) -> bool:
    return any(f.start < e and s < f.end for s, e in spans)


def score_number(case: dict) -> bool | None:
    """True/False for a scored case, None when the case holds nothing we score."""
    results = case["Results"]
    figures = parse_figures(case["Input"])
    if not results:
        return not figures
    wanted, ignored = [], []
    for r in results:
        res = r["Resolution"]
        if res.get("subtype") in ("integer", "decimal") and Decimal(res["value"]) >= 0:
            wanted.append(Decimal(res["value"]))
        else:
            ignored.append((r["Start"], r["End"] + 1))  # the spec's End is inclusive
    if not wanted:
        return None
    ours = [f for f in figures if not _overlaps(f, ignored)]
    return Counter(_values(ours)) == Counter(wanted)


def _parse_interval(text: str) -> Bounds:
    lo, hi = text.strip()[1:-1].split(",")
    return (Decimal(lo) if lo else None, Decimal(hi) if hi else None)


def _bounds(f: ParsedFigure) -> Bounds:
    if f.qualifier == "range":
        return (f.lower, f.upper)
    if f.qualifier in ("at_least", "more_than"):
        return (f.value, None)
    if f.qualifier in ("at_most", "less_than"):
        return (None, f.value)
    return (f.value, f.value)


def score_range(case: dict) -> bool:
    wanted = Counter(_parse_interval(r["Resolution"]["value"]) for r in case["Results"])
    for f in parse_figures(case["Input"]):
        b = _bounds(f)
        if wanted[b] > 0:
            wanted[b] -= 1
        elif f.qualifier not in ("exact", "approximate"):
            return False  # a bound the spec does not state
    return not +wanted


def _show(text: str) -> str:
    figs = parse_figures(text)
    return "; ".join(f"{f.text!r} {f.qualifier} {_bounds(f)}" for f in figs) or "(nothing)"


def evaluate(eval_dir: Path, verbose: bool = False) -> dict[str, float]:
    shares: dict[str, float] = {}
    for name, scorer in (("NumberModel.json", score_number), ("NumberRangeModel.json", score_range)):
        cases = json.loads((eval_dir / name).read_text(encoding="utf-8"))
        deliberate = DELIBERATE[name]
        right = total = spec_right = 0
        wrong: list[str] = []
        for case in cases:
            verdict = scorer(case)
            if verdict is None:
                continue
            if case["Input"] in deliberate:
                spec_right += verdict
                continue
            total += 1
            right += verdict
            if not verdict:
                wrong.append(case["Input"])
        shares[name] = right / total if total else 0.0
        everything = total + len(deliberate)
        print(f"{name}: {right}/{total} right = {shares[name]:.1%} "
              f"(counting the deliberate differences as cases: {right + spec_right}/{everything} "
              f"= {(right + spec_right) / everything:.1%})")
        if wrong and verbose:
            print("  wrong:")
            for text in wrong:
                print(f"    {text!r}: {_show(text)}")
        print(f"  deliberate differences ({len(deliberate)}, not in the share):")
        for text, why in deliberate.items():
            print(f"    {text!r}: {why}; we report {_show(text)}")
    return shares


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR,
                        help="folder holding NumberModel.json and NumberRangeModel.json")
    parser.add_argument("--verbose", action="store_true", help="list the cases we get wrong")
    args = parser.parse_args(argv)
    missing = [n for n in DELIBERATE if not (args.eval_dir / n).is_file()]
    if missing:
        print(f"{args.eval_dir}: missing {', '.join(missing)} (see --eval-dir)", file=sys.stderr)
        return 2
    evaluate(args.eval_dir, verbose=args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
