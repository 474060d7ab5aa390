"""The checks applied to the database: the full sweep (per metric, then the unverified codes in
claim-id batches) and the incremental path for the claims a write touched."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max, Min, Q

from claims.checks import facts
from claims.checks.flags import Finding, RecomputeSummary, checks_user, flags_recompute
from claims.checks.rules import ClaimFacts, conflict_code, unverified_codes
from claims.checks.rules import independent as rules_independent
from claims.checks.sweep import ConflictMap, add_conflict, metric_conflicts, metric_matches
from claims.models import Claim, Figure, Flag, FlagKind, Metric

log = logging.getLogger(__name__)
UNVERIFIED_BATCH = 20000
_LOCK_NAMESPACE = 4  # pg_advisory_xact_lock(namespace, metric id): one sweep of a metric at a time


def _lock_metric(metric_id: int) -> None:
    """Two sweeps of one metric at once would give the same flags anyway (upserts on unique keys);
    the lock just saves the second one from redoing the work while the first holds its rows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, metric_id])


def _write_columns(updates: dict[int, tuple]) -> None:
    """Store changed check columns: (check_first .. check_hi_open, check_matched) per figure id.
    PostgreSQL gets COPY into a temporary table and one UPDATE; elsewhere one UPDATE per row."""
    if not updates:
        return
    table = Figure._meta.db_table
    columns = [*facts.CHECK_FIELDS, "check_matched"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS check_columns_tmp (id bigint, check_first date, check_last date, "
                "check_span smallint, check_lo numeric, check_lo_open boolean, check_hi numeric, "
                "check_hi_open boolean, check_matched boolean) ON COMMIT DELETE ROWS"
            )
            cursor.execute("TRUNCATE check_columns_tmp")
            with cursor.cursor.copy("COPY check_columns_tmp FROM STDIN") as copy:
                for fid, values in updates.items():
                    copy.write_row((fid, *values))
            assignments = ", ".join(f"{c} = t.{c}" for c in columns)
            cursor.execute(f"UPDATE {table} f SET {assignments} FROM check_columns_tmp t WHERE f.id = t.id")  # noqa: S608
            cursor.execute("TRUNCATE check_columns_tmp")
        return
    assignments = ", ".join(f"{c} = %s" for c in columns)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608
            [(*values, fid) for fid, values in updates.items()],
        )


def _stored_values(refreshed: facts.RefreshedFigure, matched: bool | None) -> tuple:
    return (*refreshed.columns, matched)


def _changed(refreshed: facts.RefreshedFigure, matched: bool | None) -> bool:
    stored = refreshed.stored
    new = refreshed.columns
    same = (
        stored.first == new.first and stored.last == new.last and stored.span == new.span
        and stored.lo_open == new.lo_open and stored.hi_open == new.hi_open
        and (stored.lo is not None and Decimal(stored.lo) == new.lo)
        and ((stored.hi is None and new.hi is None) or (stored.hi is not None and new.hi is not None
                                                         and Decimal(stored.hi) == new.hi))
    )
    return not same or refreshed.stored_matched != matched


def _conflict_findings(metric_id: int, found: ConflictMap) -> list[Finding]:
    return [
        Finding(FlagKind.CONFLICT, code, metric_id, claim_a, claim_b, fig_a, fig_b)
        for (code, claim_a, claim_b), (fig_a, fig_b) in found.items()
    ]


def _relations(roots: dict[int, frozenset[int]]):
    empty: frozenset[int] = frozenset()

    def share_root(a: int, b: int) -> bool:
        return bool(roots.get(a, empty) & roots.get(b, empty))

    def independent(a: int, b: int) -> bool:
        return rules_independent(roots.get(a, empty), roots.get(b, empty))

    return share_root, independent


def sweep_metric(
    *, metric_id: int, user=None, tree: facts.SourceTree | None = None, with_unverified: bool = False
) -> RecomputeSummary:
    """Refresh the check columns of every figure of the metric, find all its conflicts and which of
    its figures an independent claim corroborates, and make its conflict flags say so. With
    with_unverified, also re-check the unverified codes of the claims whose corroboration moved (the
    full sweep leaves that to its claim batches)."""
    user = user or checks_user()
    metric = Metric.objects.filter(pk=metric_id).first()
    if metric is None:
        return RecomputeSummary()
    tree = tree or facts.SourceTree()
    with transaction.atomic():
        _lock_metric(metric_id)
        refreshed = facts.refreshed_figures(Figure.objects.filter(metric_id=metric_id), {metric_id: metric.tolerance})
        figures = [r.facts for r in refreshed]
        roots = facts.origin_roots(
            Q(attribution__claim_id__in=Figure.objects.filter(metric_id=metric_id).values("claim_id")), tree
        )
        share_root, independent = _relations(roots)
        found = metric_conflicts(
            figures, cumulative=metric.cumulative, window_days=metric.window_days, share_root=share_root
        )
        matched = metric_matches(figures, window_days=metric.window_days, independent=independent)
        _write_columns({
            r.facts.id: _stored_values(r, matched[r.facts.id]) for r in refreshed if _changed(r, matched[r.facts.id])
        })
        summary = flags_recompute(
            findings=_conflict_findings(metric_id, found), scope=Q(kind=FlagKind.CONFLICT, metric_id=metric_id),
            user=user,
        )
        if with_unverified:
            moved = sorted({r.facts.claim_id for r in refreshed if r.stored_matched != matched[r.facts.id]})
            for chunk in facts.chunked(moved):
                rows = Claim.objects.filter(id__in=chunk).values_list("id", "status")
                summary.update(flags_recompute(
                    findings=_unverified_findings(rows, tree),
                    scope=Q(kind=FlagKind.UNVERIFIED, claim_a_id__in=chunk), user=user,
                ))
        return summary


def _unverified_findings(claim_rows: Iterable[tuple[int, str]], tree: facts.SourceTree) -> list[Finding]:
    claim_rows = [(cid, status) for cid, status in claim_rows if status in ("unreviewed", "in_review")]
    ids = [cid for cid, _ in claim_rows]
    summaries = facts.chain_summaries(ids)
    tree.preload({sid for s in summaries.values() for sid in s.origins})
    matches: dict[int, list[bool]] = defaultdict(list)
    for chunk in facts.chunked(ids):
        for claim_id, matched in Figure.objects.filter(claim_id__in=chunk).values_list("claim_id", "check_matched"):
            matches[claim_id].append(bool(matched))
    findings = []
    empty = facts.ChainSummary(0, False, ())
    for claim_id, status in claim_rows:
        summary = summaries.get(claim_id, empty)
        claim = ClaimFacts(
            claim_id, status, summary.chains, summary.has_document,
            tuple(tree.grade(sid) for sid in summary.origins),
            frozenset(tree.root(sid) for sid in summary.origins),
        )
        for code in unverified_codes(claim, figure_matches=matches.get(claim_id, [])):
            findings.append(Finding(FlagKind.UNVERIFIED, code, None, claim_id, None))
    return findings


def sweep_unverified(
    *, first_id: int, last_id: int, user=None, tree: facts.SourceTree | None = None
) -> RecomputeSummary:
    """The unverified codes for the claims with ids in [first_id, last_id]. Reads the corroboration
    each figure's metric sweep stored, so it runs after the metric sweeps."""
    tree = tree or facts.SourceTree()
    rows = Claim.objects.filter(id__gte=first_id, id__lte=last_id).values_list("id", "status")
    with transaction.atomic():
        return flags_recompute(
            findings=_unverified_findings(rows, tree),
            scope=Q(kind=FlagKind.UNVERIFIED, claim_a_id__gte=first_id, claim_a_id__lte=last_id),
            user=user or checks_user(),
        )


def unverified_batches(size: int = UNVERIFIED_BATCH) -> list[tuple[int, int]]:
    """Claim-id ranges that split the claims (and any stray flags) into batches for the workers."""
    bounds = Claim.objects.aggregate(lo=Min("id"), hi=Max("id"))
    flag_bounds = Flag.objects.filter(kind=FlagKind.UNVERIFIED).aggregate(lo=Min("claim_a_id"), hi=Max("claim_a_id"))
    lows = [v for v in (bounds["lo"], flag_bounds["lo"]) if v is not None]
    highs = [v for v in (bounds["hi"], flag_bounds["hi"]) if v is not None]
    if not lows:
        return []
    return [(start, min(start + size - 1, max(highs))) for start in range(min(lows), max(highs) + 1, size)]


def sweep_metric_ids() -> list[int]:
    """Metrics with figures or with conflict flags (a metric whose figures all went still has flags
    to resolve)."""
    ids = set(Figure.objects.values_list("metric_id", flat=True).distinct())
    ids |= set(Flag.objects.filter(kind=FlagKind.CONFLICT).values_list("metric_id", flat=True).distinct())
    return sorted(ids)


def sweep_all(*, user=None) -> RecomputeSummary:
    """Every check over the whole database, in process (the management command, the quickstart)."""
    user = user or checks_user()
    tree = facts.SourceTree().load_all()
    summary = RecomputeSummary()
    for metric_id in sweep_metric_ids():
        summary.update(sweep_metric(metric_id=metric_id, user=user, tree=tree))
    for first_id, last_id in unverified_batches():
        summary.update(sweep_unverified(first_id=first_id, last_id=last_id, user=user, tree=tree))
    return summary


def checks_run(*, claim_ids: Iterable[int] = (), metric_ids: Iterable[int] = (), user=None) -> RecomputeSummary:
    """What a queued check does: the incremental path for the claims, and a sweep of each metric
    that is not one of their metrics any more (a figure moved off it or was deleted with its claim:
    the neighbours it left behind may lose a conflict or a corroboration)."""
    user = user or checks_user()
    summary = check_claims(claim_ids=claim_ids, user=user)
    covered = set(Figure.objects.filter(claim_id__in=list(claim_ids)).values_list("metric_id", flat=True))
    for metric_id in sorted(set(metric_ids) - covered):
        summary.update(sweep_metric(metric_id=metric_id, user=user, with_unverified=True))
    return summary


def check_claims(*, claim_ids: Iterable[int], user=None) -> RecomputeSummary:
    """The incremental path: re-check what a write to these claims can change, through indexed
    queries around their figures only. Their conflicts are recomputed against the figures close
    enough to conflict (and, on a cumulative metric, earlier figures above or later figures below
    them); corroboration is recomputed for their figures and for the neighbours they match or used
    to match (found through the check columns as stored before this run); the unverified codes for
    these claims and for every claim whose corroboration moved."""
    user = user or checks_user()
    claim_ids = set(Claim.objects.filter(id__in=list(claim_ids)).values_list("id", flat=True))
    if not claim_ids:
        return RecomputeSummary()
    tree = facts.SourceTree()
    summary = RecomputeSummary()
    with transaction.atomic():
        metric_ids = set(Figure.objects.filter(claim_id__in=claim_ids).values_list("metric_id", flat=True))
        metrics = Metric.objects.in_bulk(metric_ids)
        for metric_id in sorted(metric_ids):
            _lock_metric(metric_id)
        refreshed = facts.refreshed_figures(
            Figure.objects.filter(claim_id__in=claim_ids), {m.id: m.tolerance for m in metrics.values()}
        )
        metric_of = dict(Figure.objects.filter(claim_id__in=claim_ids).values_list("id", "metric_id"))
        # Write the new periods and intervals first so the neighbour queries see them.
        _write_columns({r.facts.id: _stored_values(r, r.stored_matched) for r in refreshed
                        if _changed(r, r.stored_matched)})
        conflicts: list[Finding] = []
        matched_now: dict[int, bool] = {}
        previous_matched: dict[int, bool | None] = {r.facts.id: r.stored_matched for r in refreshed}
        claim_of: dict[int, int] = {r.facts.id: r.facts.claim_id for r in refreshed}
        for metric_id, metric in sorted(metrics.items()):
            focus = [r for r in refreshed if metric_of[r.facts.id] == metric_id]
            windows = [(r.facts.period.first, r.facts.period.last) for r in focus if r.facts.period]
            windows += [(r.stored.first, r.stored.last) for r in focus if r.stored.first is not None]
            near = facts.stored_window(metric_id, windows, metric.window_days)
            candidates = {s.facts.id: s for s in near}
            if metric.cumulative:
                for r in focus:
                    for s in facts.stored_cumulative_candidates(metric_id, r.facts):
                        candidates.setdefault(s.facts.id, s)
            # The neighbours' corroboration needs their own windows, one step further out.
            outer = facts.stored_window(
                metric_id, [(s.facts.period.first, s.facts.period.last) for s in near], metric.window_days
            )
            pool = {s.facts.id: s.facts for s in outer} | {s.facts.id: s.facts for s in near}
            pool |= {r.facts.id: r.facts for r in focus}
            roots = facts.origin_roots(sorted({f.claim_id for f in pool.values()} | {
                s.facts.claim_id for s in candidates.values()}), tree)
            share_root, independent = _relations(roots)
            found: ConflictMap = {}
            for r in focus:
                for s in candidates.values():
                    code = conflict_code(r.facts, s.facts, cumulative=metric.cumulative,
                                         window_days=metric.window_days,
                                         share_root=share_root(r.facts.claim_id, s.facts.claim_id))
                    if code:
                        add_conflict(found, code, r.facts, s.facts)
            conflicts += _conflict_findings(metric_id, found)
            for s in outer + near:
                previous_matched.setdefault(s.facts.id, s.matched)
                claim_of[s.facts.id] = s.facts.claim_id
            affected = {r.facts.id for r in focus} | {s.facts.id for s in near}
            matched_now.update(metric_matches(
                list(pool.values()), window_days=metric.window_days, independent=independent, only=affected
            ))
        flips = {fid: m for fid, m in matched_now.items() if previous_matched.get(fid) != m}
        _set_matched(flips)
        summary.update(flags_recompute(
            findings=conflicts,
            scope=Q(kind=FlagKind.CONFLICT) & (Q(claim_a_id__in=claim_ids) | Q(claim_b_id__in=claim_ids)),
            user=user,
        ))
        affected_claims = claim_ids | {claim_of[fid] for fid in flips}
        rows = Claim.objects.filter(id__in=affected_claims).values_list("id", "status")
        summary.update(flags_recompute(
            findings=_unverified_findings(rows, tree),
            scope=Q(kind=FlagKind.UNVERIFIED, claim_a_id__in=affected_claims),
            user=user,
        ))
    return summary


def _set_matched(flips: dict[int, bool]) -> None:
    for value in (True, False):
        ids = [fid for fid, matched in flips.items() if matched is value]
        for chunk in facts.chunked(ids):
            Figure.objects.filter(id__in=chunk).update(check_matched=value)

