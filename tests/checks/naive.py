"""A deliberately naive reading of the conflict and corroboration rules: every pair, no indexes.
The property tests hold the set-based sweep to it."""

from __future__ import annotations

from itertools import combinations

from claims.checks.rules import FigureFacts, conflict_code, figures_match, independent


def naive_conflicts(figures: list[FigureFacts], roots: dict[int, frozenset[int]], *, cumulative: bool,
                    window_days: int) -> set[tuple[str, int, int]]:
    found = set()
    for a, b in combinations(figures, 2):
        share = bool(roots.get(a.claim_id, frozenset()) & roots.get(b.claim_id, frozenset()))
        code = conflict_code(a, b, cumulative=cumulative, window_days=window_days, share_root=share)
        if code:
            found.add((code, min(a.claim_id, b.claim_id), max(a.claim_id, b.claim_id)))
    return found


def naive_matches(figures: list[FigureFacts], roots: dict[int, frozenset[int]], *, window_days: int) -> dict[int, bool]:
    return {
        f.id: any(
            g.claim_id != f.claim_id and figures_match(f, g, window_days=window_days)
            and independent(roots.get(f.claim_id, frozenset()), roots.get(g.claim_id, frozenset()))
            for g in figures if g.id != f.id
        )
        for f in figures
    }


def naive_conflict_pairs(figures: list[FigureFacts], roots: dict[int, frozenset[int]], *, cumulative: bool,
                         window_days: int) -> dict[tuple[str, int, int], tuple[int, int]]:
    """Each conflict with its lowest pair of figure ids, the lower claim's figure first."""
    found: dict[tuple[str, int, int], tuple[int, int]] = {}
    for a, b in combinations(figures, 2):
        share = bool(roots.get(a.claim_id, frozenset()) & roots.get(b.claim_id, frozenset()))
        code = conflict_code(a, b, cumulative=cumulative, window_days=window_days, share_root=share)
        if code:
            low, high = (a, b) if a.claim_id < b.claim_id else (b, a)
            key, pair = (code, low.claim_id, high.claim_id), (low.id, high.id)
            found[key] = min(found.get(key, pair), pair)
    return found
