"""The checks applied to the database: the full sweep (per metric, then the unverified codes in
claim-id batches) and the incremental path for the claims a write touched."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Subquery

from claims.checks import facts, neighbours
from claims.checks.explain import figure_said, unverified_sentence
from claims.checks.flags import Finding, RecomputeSummary, checks_user, flags_recompute
from claims.checks.flagwrites import flags_statistics_refresh
from claims.checks.idsets import ids_filters
from claims.checks.rules import ClaimFacts, FigureFacts, conflict_code, figures_match, unverified_codes
from claims.checks.rules import independent as rules_independent
from claims.checks.sweep import ConflictMap, add_conflict, metric_conflicts, metric_matches
from claims.collector import collector_paused
from claims.copyload import temp_table_emptied
from claims.models import Claim, Figure, FigureCheck, Flag, FlagKind, Metric

log = logging.getLogger(__name__)
UNVERIFIED_BATCH = 20000
SWEEP_GROUP_FIGURES = 50000  # figures per unit of the full sweep (sweep_metric_groups)
_DIRECT_SCAN = 256  # neighbours to recheck, up to which a plain scan is cheaper than a sorted pass
_PROBES = 16  # unsure neighbours up to which each is first probed with neighbours.certainly_matched
_SMALL_WRITE = 200  # rows up to which the check rows go in one INSERT ... VALUES ... ON CONFLICT
_LOCK_NAMESPACE = 4  # pg_advisory_xact_lock(namespace, metric id): one sweep of a metric at a time


def _lock_metric(metric_id: int) -> None:
    """Two sweeps of one metric at once would give the same flags anyway (upserts on unique keys);
    the lock just saves the second one from redoing the work while the first holds its rows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, metric_id])


def _sweep_settings() -> None:
    """Per transaction: no parallel query workers and no JIT for the sweep's statements. The sweep
    already keeps every core busy with one task per worker; a parallel plan adds processes that
    compete with the other tasks, and JIT spends tens of milliseconds compiling each large read
    that runs once (a tenth of a group's database time)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off")


def _lock_metrics(metric_ids: list[int]) -> None:
    """_lock_metric for a sorted group in one round trip (sorted, so two groups never wait on each
    other in opposite orders)."""
    if connection.vendor == "postgresql" and len(metric_ids) > 1:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, t.id) FROM (SELECT unnest(%s::int[]) AS id ORDER BY 1) t",
                [_LOCK_NAMESPACE, sorted(metric_ids)],
            )
    else:
        for metric_id in metric_ids:
            _lock_metric(metric_id)


_WRITTEN = ("metric_id", "claim_id", *facts.CHECK_FIELDS, "check_roots", "check_matched")
_CASTS = ("bigint", "bigint", "date", "date", "smallint", "numeric", "boolean", "numeric", "boolean", "text", "boolean")
_TARGET = f"{FigureCheck._meta.db_table} (figure_id, {', '.join(_WRITTEN)})"


def _write_columns(updates: dict[int, tuple]) -> None:
    """Store changed check rows (FigureCheck): (metric_id, claim_id, check_first .. check_hi_open,
    check_roots, check_matched) per figure id, inserted or replaced. PostgreSQL gets COPY into a
    temporary table and one INSERT ... ON CONFLICT; elsewhere bulk_create with update_conflicts."""
    if not updates:
        return
    upsert = "ON CONFLICT (figure_id) DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in _WRITTEN)
    if connection.vendor == "postgresql" and len(updates) <= _SMALL_WRITE:
        # An incremental check writes a handful of rows: one statement with a VALUES list saves the
        # round trips of the temporary table.
        row = "(%s::bigint, " + ", ".join(f"%s::{cast}" for cast in _CASTS) + ")"
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_TARGET} VALUES {', '.join([row] * len(updates))} {upsert}",  # noqa: S608
                [value for fid, values in updates.items() for value in (fid, *values)],
            )
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            temp_table_emptied(cursor, "figure_check_tmp", "figure_id bigint, " + ", ".join(
                f"{c} {cast}" for c, cast in zip(_WRITTEN, _CASTS, strict=True)))
            with cursor.cursor.copy("COPY figure_check_tmp FROM STDIN") as copy:
                for fid, values in updates.items():
                    copy.write_row((fid, *values))
            cursor.execute(
                f"INSERT INTO {_TARGET} SELECT * FROM figure_check_tmp ORDER BY figure_id {upsert}"  # noqa: S608
            )
        return
    FigureCheck.objects.bulk_create(
        [FigureCheck(figure_id=fid, **dict(zip(_WRITTEN, values, strict=True))) for fid, values in updates.items()],
        batch_size=500, update_conflicts=True, unique_fields=["figure"], update_fields=list(_WRITTEN),
    )


def _insert_checks(rows: dict[int, tuple]) -> None:
    """_write_columns for figures that had no FigureCheck row when read (a first sweep: all of
    them): COPY straight into the table, which skips the temporary table and the conflict handling.
    If a concurrent check stored one of them meanwhile, the unique key refuses the COPY and the rows
    go through the upsert instead."""
    if not rows or connection.vendor != "postgresql":
        _write_columns(rows)
        return
    try:
        # wrap_database_errors: the raw psycopg cursor raises psycopg's errors, not Django's.
        with transaction.atomic(), connection.cursor() as cursor, connection.wrap_database_errors, \
                cursor.cursor.copy(f"COPY {_TARGET} FROM STDIN") as copy:
            for fid in sorted(rows):
                copy.write_row((fid, *rows[fid]))
    except IntegrityError:
        _write_columns(rows)


def _stored_values(refreshed: facts.RefreshedFigure, roots: str, matched: bool | None) -> tuple:
    return (refreshed.metric_id, refreshed.facts.claim_id, *refreshed.columns, roots, matched)


def _changed(refreshed: facts.RefreshedFigure, roots: str, matched: bool | None) -> bool:
    # Field by field equality: the stored decimals compare equal to the computed ones whatever their
    # scale, and a never-filled row (no row: NULL columns) differs from any computed one.
    return (
        refreshed.stored != refreshed.columns
        or refreshed.stored_matched != matched
        or refreshed.stored_roots != roots
        or refreshed.stored_metric_id != refreshed.metric_id
    )


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
    return sweep_metrics(metric_ids=[metric_id], user=user, tree=tree, with_unverified=with_unverified)


@collector_paused()
def sweep_metrics(
    *, metric_ids: Iterable[int], user=None, tree: facts.SourceTree | None = None, with_unverified: bool = False
) -> RecomputeSummary:
    """sweep_metric for several metrics in one transaction. A newsroom has thousands of metrics with
    a few hundred figures each: swept one by one, each costs a dozen round trips for a few
    milliseconds of work, so the sweep groups them (sweep_metric_groups) and reads, writes and
    recomputes a group at once. The rules still apply metric by metric."""
    user = user or checks_user()
    metrics = Metric.objects.in_bulk(sorted(set(metric_ids)))
    if not metrics:
        return RecomputeSummary()
    tree = tree or facts.SourceTree()
    ids = sorted(metrics)
    with transaction.atomic():
        _sweep_settings()
        _lock_metrics(ids)
        # The figures are read once: their claims' chains give the fallback dates the facts need.
        # A group none of whose metrics has a check row yet (a first sweep) skips the probes for them.
        rows = facts.figure_rows(Figure.objects.filter(metric_id__in=ids),
                                 checked=FigureCheck.objects.filter(metric_id__in=ids).exists())
        claim_at, as_of_at = facts.ROW_AT["claim_id"], facts.ROW_AT["as_of"]
        chains = facts.claim_chains(sorted({row[claim_at] for row in rows}))
        undated = {row[claim_at] for row in rows if row[as_of_at] is None}
        refreshed = facts.refreshed_figures(
            rows, {m.id: m.tolerance for m in metrics.values()}, fallback=facts.dates_of_chains(chains, undated)
        )
        roots = facts.roots_of_chains(chains, tree)
        share_root, independent = _relations(roots)
        stored_roots = {claim_id: facts.roots_text(found) for claim_id, found in roots.items()}
        by_metric: dict[int, list[FigureFacts]] = defaultdict(list)
        for r in refreshed:
            by_metric[r.metric_id].append(r.facts)
        findings: list[Finding] = []
        matched: dict[int, bool] = {}
        for metric_id, figures in by_metric.items():
            metric = metrics[metric_id]
            found = metric_conflicts(
                figures, cumulative=metric.cumulative, window_days=metric.window_days, share_root=share_root
            )
            findings += _conflict_findings(metric_id, found)
            matched.update(metric_matches(
                figures, window_days=metric.window_days, independent=independent,
                witnessed=lambda claim_id: bool(roots.get(claim_id)),
            ))
        changed = {
            r.facts.id: (r.stored_metric_id is None, _stored_values(r, roots_text, matched[r.facts.id]))
            for r in refreshed
            if _changed(r, roots_text := stored_roots.get(r.facts.claim_id, ""), matched[r.facts.id])
        }
        _insert_checks({fid: values for fid, (fresh, values) in changed.items() if fresh})
        _write_columns({fid: values for fid, (fresh, values) in changed.items() if not fresh})
        summary = flags_recompute(
            findings=findings, scope=Q(kind=FlagKind.CONFLICT, metric_id__in=ids), user=user,
            chain_names=lambda claim_id: [[tree.name(sid) for sid in facts.chain_sources(chain)]
                                          for chain in chains.get(claim_id, [])],
            figures_said=_figures_said(rows, refreshed, metrics),
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


def _figures_said(rows: list[tuple], refreshed: list[facts.RefreshedFigure], metrics: dict[int, Metric]):
    """explain.figure_said of the group's figures, from the rows and the columns just computed (what
    the check rows hold now), for the sentences of the flags the group opens."""
    at = {r.facts.id: n for n, r in enumerate(refreshed)}
    fields = [facts.ROW_AT[name] for name in ("text", "qualifier", "value", "lower", "upper")]

    def said(fid: int):
        n = at.get(fid)
        if n is None:
            return None
        row, r = rows[n], refreshed[n]
        return figure_said(*(row[i] for i in fields), r.columns.first, r.columns.span, metrics[r.metric_id].name)

    return said


def _unverified_findings(
    claim_rows: Iterable[tuple[int, str]], tree: facts.SourceTree, id_range: tuple[int, int] | None = None
) -> list[Finding]:
    """The unverified findings of these claims, each with its sentence (written from the chain rows
    read for the rule). With id_range, the rows are every claim of that range, so the chains and
    figures are read by range instead of by id lists."""
    claim_rows = [(cid, status) for cid, status in claim_rows if status in ("unreviewed", "in_review")]
    ids = [cid for cid, _ in claim_rows]
    summaries = facts.chain_summaries(ids, id_range)
    tree.preload({sid for s in summaries.values() for sid in s.origins})
    matches: dict[int, list[bool]] = defaultdict(list)
    # The check row by a probe per figure: as a join the planner hashed the whole check table for
    # every batch (0.65 s of 20,000 claims' 40,000 figures at 1,000,000 claims).
    stored = Subquery(FigureCheck.objects.filter(figure_id=OuterRef("id")).values("check_matched")[:1])
    for where in facts.claim_filters(ids, id_range, "claim_id"):
        for claim_id, matched in Figure.objects.filter(where).order_by().annotate(
            stored_matched=stored
        ).values_list("claim_id", "stored_matched"):
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
        codes = unverified_codes(claim, figure_matches=matches.get(claim_id, []))
        if codes:
            names = [tree.name(sid) for sid in summary.origins]
            findings += [
                Finding(FlagKind.UNVERIFIED, code, None, claim_id, None, explanation=unverified_sentence(code, names))
                for code in codes
            ]
    return findings


@collector_paused()
def sweep_unverified(
    *, first_id: int, last_id: int, user=None, tree: facts.SourceTree | None = None
) -> RecomputeSummary:
    """The unverified codes for the claims with ids in [first_id, last_id]. Reads the corroboration
    each figure's metric sweep stored, so it runs after the metric sweeps."""
    tree = tree or facts.SourceTree()
    rows = Claim.objects.filter(id__gte=first_id, id__lte=last_id).order_by().values_list("id", "status")
    with transaction.atomic():
        _sweep_settings()
        return flags_recompute(
            findings=_unverified_findings(rows, tree, (first_id, last_id)),
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
    # One index probe per metric: a DISTINCT over the figure and flag tables read millions of rows
    # (and, through the models' default ordering, sorted them by claim first).
    with_work = Exists(Figure.objects.filter(metric_id=OuterRef("id"))) | Exists(
        Flag.objects.filter(kind=FlagKind.CONFLICT, metric_id=OuterRef("id"))
    )
    return list(Metric.objects.filter(with_work).order_by("id").values_list("id", flat=True))


def sweep_metric_groups(group_figures: int = SWEEP_GROUP_FIGURES) -> list[list[int]]:
    """The units of a full sweep: metrics in id order, gathered until a group holds about
    group_figures figures. A big metric is a group of its own; small ones share a group, so their
    fixed cost per transaction is paid once per group."""
    counts = dict(Figure.objects.order_by().values_list("metric_id").annotate(n=Count("id")))
    groups: list[list[int]] = []
    current: list[int] = []
    size = 0
    for metric_id in sweep_metric_ids():
        n = counts.get(metric_id, 0)
        if current and size + n > group_figures:
            groups.append(current)
            current, size = [], 0
        current.append(metric_id)
        size += n
    if current:
        groups.append(current)
    return groups


def sweep_all(*, user=None) -> RecomputeSummary:
    """Every check over the whole database, in process (the management command, the quickstart)."""
    user = user or checks_user()
    tree = facts.SourceTree().load_all()
    summary = RecomputeSummary()
    for group in sweep_metric_groups():
        summary.update(sweep_metrics(metric_ids=group, user=user, tree=tree))
    for first_id, last_id in unverified_batches():
        summary.update(sweep_unverified(first_id=first_id, last_id=last_id, user=user, tree=tree))
    flags_statistics_refresh()
    return summary


def checks_run(
    *, claim_ids: Iterable[int] = (), metric_ids: Iterable[int] = (), gone: Iterable[dict] = (), user=None
) -> RecomputeSummary:
    """What a queued check does: the incremental path for the claims, and a sweep of each metric
    that is not one of their metrics any more (a figure moved off it or was deleted with its claim:
    the neighbours it left behind may lose a conflict or a corroboration). A deleted figure on a
    metric where its claim keeps others comes as `gone` (neighbours.gone_record): the claims' check
    rechecks the neighbours it may have matched, as it does for an edited figure's old self."""
    user = user or checks_user()
    claim_ids, metric_ids = list(claim_ids), set(metric_ids)
    summary = check_claims(claim_ids=claim_ids, user=user, gone=gone)
    covered = set()
    if metric_ids:
        covered = set(Figure.objects.filter(claim_id__in=claim_ids).values_list("metric_id", flat=True))
    for metric_id in sorted(metric_ids - covered):
        summary.update(sweep_metric(metric_id=metric_id, user=user, with_unverified=True))
    return summary


@collector_paused()
def check_claims(*, claim_ids: Iterable[int], gone: Iterable[dict] = (), user=None) -> RecomputeSummary:
    """The incremental path: re-check what a write to these claims can change, through indexed
    queries around their figures only. Their conflicts are recomputed against the figures close
    enough to conflict (and, on a cumulative metric, earlier figures above or later figures below
    them); corroboration is recomputed for their figures and for the neighbours whose stored answer
    the write can have changed (see _neighbour_matches); the unverified codes for these claims and
    for every claim whose corroboration moved."""
    user = user or checks_user()
    claim_ids = set(Claim.objects.filter(id__in=list(claim_ids)).values_list("id", flat=True))
    if not claim_ids:
        return RecomputeSummary()
    tree = facts.SourceTree()
    summary = RecomputeSummary()
    gone_in: dict[int, list[neighbours.Gone]] = defaultdict(list)
    for record in gone:
        found = neighbours.gone_from_record(record)
        gone_in[found.metric_id].append(found)
    with transaction.atomic():
        metric_of = dict(Figure.objects.filter(claim_id__in=claim_ids).values_list("id", "metric_id"))
        metric_ids = set(metric_of.values())
        metrics = Metric.objects.in_bulk(metric_ids)
        for metric_id in sorted(metric_ids):
            _lock_metric(metric_id)
        refreshed = facts.refreshed_figures(
            Figure.objects.filter(claim_id__in=claim_ids), {m.id: m.tolerance for m in metrics.values()}
        )
        empty: frozenset[int] = frozenset()
        focus_roots = facts.origin_roots(sorted(claim_ids), tree)
        focus_roots = {cid: focus_roots.get(cid, empty) for cid in claim_ids}
        roots_stored = {cid: facts.roots_text(found) for cid, found in focus_roots.items()}
        # Write the new periods, intervals and roots first so the neighbour queries see them.
        _write_columns({
            r.facts.id: _stored_values(r, roots_stored[r.facts.claim_id], r.stored_matched) for r in refreshed
            if _changed(r, roots_stored[r.facts.claim_id], r.stored_matched)
        })
        conflicts: list[Finding] = []
        matched_now: dict[int, bool] = {}
        previous_matched: dict[int, bool | None] = {r.facts.id: r.stored_matched for r in refreshed}
        claim_of: dict[int, int] = {r.facts.id: r.facts.claim_id for r in refreshed}
        for metric_id, metric in sorted(metrics.items()):
            # .get: a figure added since metric_of was read is checked by the task its own save queued.
            focus = [r for r in refreshed if metric_of.get(r.facts.id) == metric_id]
            windows = [(r.facts.period.first, r.facts.period.last) for r in focus if r.facts.period]
            windows += [(r.stored.first, r.stored.last) for r in focus if r.stored.first is not None]
            windows += [(g.side.first, g.side.last) for g in gone_in[metric_id]]
            proven, narrowing = _narrowing(metric, focus, roots_stored, claim_ids, gone_in[metric_id])
            near = [s for s in facts.stored_window(metric_id, windows, metric.window_days, narrowing=narrowing)
                    if s.facts.claim_id not in claim_ids]
            candidates = {s.facts.id: s for s in near}
            if metric.cumulative:
                for s in facts.stored_cumulative_candidates(metric_id, [r.facts for r in focus]):
                    if s.facts.claim_id not in claim_ids:
                        candidates.setdefault(s.facts.id, s)
            roots = _known_roots(candidates.values(), focus_roots, tree)
            share_root, _independent = _relations(roots)
            found: ConflictMap = {}
            # The edited claims' figures against their neighbours and against each other.
            others = [s.facts for s in candidates.values()] + [r.facts for r in focus]
            for r in focus:
                lo_key, hi_key = r.facts.interval
                for other in others:
                    # Two figures that can both be true never conflict: most neighbours, so they
                    # are passed over before any other test.
                    if not (hi_key < other.interval.lo_key or other.interval.hi_key < lo_key):
                        continue
                    code = conflict_code(r.facts, other, cumulative=metric.cumulative,
                                         window_days=metric.window_days,
                                         share_root=share_root(r.facts.claim_id, other.claim_id))
                    if code:
                        add_conflict(found, code, r.facts, other)
            conflicts += _conflict_findings(metric_id, found)
            for s in near:
                previous_matched.setdefault(s.facts.id, s.matched)
                claim_of[s.facts.id] = s.facts.claim_id
            matched_now.update(_neighbour_matches(
                metric_id, metric.window_days, focus, near, roots, focus_roots, tree,
                gone=[g.facts for g in gone_in[metric_id]],
            ))
            matched_now.update(dict.fromkeys(proven, True))
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


def _narrowing(
    metric: Metric, focus: list[facts.RefreshedFigure], roots_stored: dict[int, str], claim_ids: set[int],
    gone: list[neighbours.Gone],
) -> tuple[set[int], Q]:
    """Which neighbours the edited figures' check needs to read (neighbours.worth_reading), and
    which edited figures the database proves corroborated, so that the neighbours that would only
    confirm it need not be read."""
    new = [(r.facts.id, neighbours.side_of(r.columns, roots_stored[r.facts.claim_id])) for r in focus]
    new = [(fid, side) for fid, side in new if side is not None]
    proven = {
        fid for fid, side in new
        if neighbours.certainly_matched(metric.id, side, metric.window_days, other_than=claim_ids)
    }
    old = [side for r in focus if (side := neighbours.side_of(r.stored, r.stored_roots)) is not None]
    old += [g.side for g in gone]
    return proven, neighbours.worth_reading(
        [side for _, side in new], old, unproven=[side for fid, side in new if side.roots and fid not in proven],
        window_days=metric.window_days, cumulative=metric.cumulative,
    )


def _known_roots(
    stored: Iterable[facts.StoredFigure], focus_roots: dict[int, frozenset[int]], tree: facts.SourceTree
) -> dict[int, frozenset[int]]:
    """Origin roots of the claims of these figures: as stored on the figures (the checks refresh them
    whenever a chain or a source line changes), read afresh only where none is stored yet, and the
    edited claims' own roots as just computed."""
    roots: dict[int, frozenset[int]] = {}
    missing: set[int] = set()
    for s in stored:
        if s.roots is None:
            missing.add(s.facts.claim_id)
        else:
            roots[s.facts.claim_id] = s.roots
    missing -= set(focus_roots)
    if missing:
        loaded = facts.origin_roots(sorted(missing), tree)
        roots.update({cid: loaded.get(cid, frozenset()) for cid in missing})
    roots.update(focus_roots)
    return roots


def _neighbour_matches(
    metric_id: int, window_days: int, focus: list[facts.RefreshedFigure], near: list[facts.StoredFigure],
    roots: dict[int, frozenset[int]], focus_roots: dict[int, frozenset[int]], tree: facts.SourceTree,
    gone: Sequence[FigureFacts] = (),
) -> dict[int, bool]:
    """Corroboration of the edited figures and of the neighbours read for them (`near`, narrowed by
    neighbours.worth_reading), without reloading every neighbour's own window. Only the edited
    figures changed, so a neighbour that one of them matches now is matched; one whose stored answer
    was 'not matched' and that none of them matches now stays so; one stored as matched stays so
    unless an edited figure as it was before the edit, or a deleted one (`gone`), could have been that
    match (here independence is not checked for the old state: worth_reading already left out the
    neighbours that shared its stored roots, and recomputing a few too many is only slower). Those
    are recomputed: first among the figures already loaded, then, for any still unmatched, by a
    database probe, then against their own window. An edited figure the database did not prove
    corroborated has every neighbour that may match it in `near`, so its answer comes from the same
    pass."""
    _share_root, independent = _relations(roots)
    new = [r.facts for r in focus if r.facts.period is not None]
    old = [f for r in focus if (f := facts.facts_of_columns(r.facts.id, r.facts.claim_id, r.stored)) is not None]
    old += gone
    # figures_match and independence are symmetric, so one pass over the neighbours answers both
    # "does an edited figure match this neighbour" and "does this neighbour match an edited figure".
    result: dict[int, bool] = {r.facts.id: False for r in focus}
    for f in new:
        result[f.id] = any(g.claim_id != f.claim_id and figures_match(f, g, window_days=window_days)
                           and independent(f.claim_id, g.claim_id) for g in new)
    recheck: set[int] = set()
    # figures_match and independence inline, on values prepared once per edited figure: this loop
    # runs for every one of the thousands of neighbours. A neighbour's period [first, last] is within
    # window_days of [a, b] exactly when first <= b + w and last >= a - w.
    empty: frozenset[int] = frozenset()
    def reach(f: FigureFacts) -> tuple:
        return neighbours.reach(f.period.first, f.period.last, window_days)

    new_keys = [(f.id, *f.interval, *reach(f), roots.get(f.claim_id, empty)) for f in new]
    old_keys = [(*f.interval, *reach(f)) for f in old]
    for s in near:
        s_lo, s_hi = s.facts.interval
        s_first, s_last = s.facts.period.first, s.facts.period.last
        s_roots = roots.get(s.facts.claim_id, empty)
        hits = [
            fid for fid, lo, hi, from_day, to_day, f_roots in new_keys
            if lo <= s_hi and s_lo <= hi and s_first <= to_day and s_last >= from_day
            and s_roots and f_roots and s_roots != f_roots
        ] if s_roots else []
        if hits:
            result[s.facts.id] = True
            result.update(dict.fromkeys(hits, True))
        elif s.matched is None or (s.matched and any(
            lo <= s_hi and s_lo <= hi and s_first <= to_day and s_last >= from_day
            for lo, hi, from_day, to_day in old_keys
        )):
            recheck.add(s.facts.id)
        else:
            result[s.facts.id] = bool(s.matched)
    if not recheck:
        return result
    pool = {s.facts.id: s.facts for s in near} | {r.facts.id: r.facts for r in focus}
    if len(recheck) <= _DIRECT_SCAN:
        # A few neighbours (the usual case: those sharing the edited claim's origins): a scan that
        # stops at the first match beats sorting the whole pool. Where the pool is dense the first
        # match comes within a few figures; where it is sparse the pool is small.
        found = {fid: any(
            g.claim_id != pool[fid].claim_id and figures_match(pool[fid], g, window_days=window_days)
            and independent(pool[fid].claim_id, g.claim_id) for g in pool.values()
        ) for fid in recheck}
    else:
        found = metric_matches(list(pool.values()), window_days=window_days, independent=independent, only=recheck)
    unsure = [fid for fid, hit in found.items() if not hit and pool[fid].period]
    if 0 < len(unsure) <= _PROBES:
        # Usually one or two neighbours, each matched by someone outside the pool: the database finds
        # that match faster than Python reads their whole windows.
        proven = {fid for fid in unsure if neighbours.certainly_matched(
            metric_id, _side(pool[fid], roots.get(pool[fid].claim_id, frozenset())), window_days,
            other_than={pool[fid].claim_id},
        )}
        found.update(dict.fromkeys(proven, True))
        unsure = [fid for fid in unsure if fid not in proven]
    if unsure:
        outer = facts.stored_window(
            metric_id, [(pool[fid].period.first, pool[fid].period.last) for fid in unsure], window_days
        )
        outer = [s for s in outer if s.facts.claim_id not in focus_roots]
        roots.update(_known_roots(outer, focus_roots, tree))
        pool |= {s.facts.id: s.facts for s in outer}
        found.update(metric_matches(
            list(pool.values()), window_days=window_days, independent=independent, only=set(unsure)
        ))
    result.update(found)
    return result


def _side(figure: FigureFacts, roots: frozenset[int]) -> neighbours.Side:
    return neighbours.Side(figure.interval.lo, figure.interval.hi, figure.period.first, figure.period.last,
                           facts.roots_text(roots))


def _set_matched(flips: dict[int, bool]) -> None:
    for value in (True, False):
        ids = [fid for fid, matched in flips.items() if matched is value]
        for where in ids_filters("figure_id", ids):
            FigureCheck.objects.filter(where).update(check_matched=value)

