"""Queue the checks for what a write touched, after the transaction commits.

Every writer calls `checks_enqueue`, so the admin, the API, the CLI, the import and the model
signals share one entry point. Queueing must never fail a user's save: when the broker is down the
error is logged and the periodic sweep catches up.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)


def checks_enqueue(
    *, claim_ids: Iterable[int] = (), metric_ids: Iterable[int] = (), gone: Iterable[dict] = ()
) -> None:
    """Queue the checks for these claims and metrics once the current transaction commits (at once
    outside a transaction). Without a broker (quickstart) the task runs in process after commit.
    `gone`: deleted figures of these claims, as claims.checks.neighbours.gone_record wrote them."""
    claims = sorted({int(cid) for cid in claim_ids if cid is not None})
    metrics = sorted({int(mid) for mid in metric_ids if mid is not None})
    if not claims and not metrics:
        return
    from claims.tasks import checks_run_task

    try:
        if gone := list(gone):
            checks_run_task.delay_on_commit(claims, metrics, gone)
        else:
            checks_run_task.delay_on_commit(claims, metrics)
    except Exception:
        log.exception("could not queue the checks for claims %s, metrics %s", claims, metrics)
