"""Celery tasks: thin wrappers that take ids, re-read the database and call the check services.

All of them are idempotent (the flag upsert is keyed by the finding), acknowledged late (a worker
that dies mid-task leaves it to another) and retried with backoff on transient database errors.
"""

from __future__ import annotations

import functools
import logging

from celery import chain, group, shared_task
from celery.contrib.django.task import DjangoTask
from django.db import InterfaceError, OperationalError, transaction

log = logging.getLogger(__name__)


class ChecksTask(DjangoTask):
    autoretry_for = (OperationalError, InterfaceError)
    retry_backoff = True
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 8
    acks_late = True

    def delay_on_commit(self, *args, **kwargs) -> None:
        """As DjangoTask.delay_on_commit, but a broker that cannot be reached (or, in eager mode, a
        check that fails) is logged instead of failing the save that already committed."""
        transaction.on_commit(functools.partial(self._delay_logged, *args, **kwargs), robust=True)

    def _delay_logged(self, *args, **kwargs) -> None:
        try:
            self.delay(*args, **kwargs)
        except Exception:
            log.exception("could not run or queue %s%r: the periodic sweep will catch up", self.name, args)


@shared_task(base=ChecksTask, name="claims.checks_run")
def checks_run_task(claim_ids: list[int], metric_ids: list[int], gone: list[dict] | None = None) -> dict:
    from claims.checks.engine import checks_run

    return _counts(checks_run(claim_ids=claim_ids, metric_ids=metric_ids, gone=gone or ()))


@shared_task(base=ChecksTask, name="claims.checks_sweep_metric")
def checks_sweep_metric_task(metric_id: int) -> dict:
    from claims.checks.engine import sweep_metric

    return _counts(sweep_metric(metric_id=metric_id))


@shared_task(base=ChecksTask, name="claims.checks_sweep_metrics")
def checks_sweep_metrics_task(metric_ids: list[int]) -> dict:
    from claims.checks.engine import sweep_metrics

    return _counts(sweep_metrics(metric_ids=metric_ids))


@shared_task(base=ChecksTask, name="claims.checks_sweep_unverified")
def checks_sweep_unverified_task(*_previous, first_id: int, last_id: int) -> dict:
    from claims.checks.engine import sweep_unverified

    return _counts(sweep_unverified(first_id=first_id, last_id=last_id))


@shared_task(base=ChecksTask, name="claims.checks_sweep_unverified_all")
def checks_sweep_unverified_all_task(*_previous) -> int:
    """Second stage of the sweep: the unverified codes read the corroboration the metric tasks
    stored, so they fan out only once every metric is done."""
    from claims.checks.engine import unverified_batches

    batches = unverified_batches()
    _fan_out([checks_sweep_unverified_task.si(first_id=lo, last_id=hi) for lo, hi in batches],
             then=checks_sweep_finish_task.si())
    return len(batches)


@shared_task(base=ChecksTask, name="claims.checks_sweep_finish")
def checks_sweep_finish_task(*_previous) -> None:
    """Last stage of the sweep: fresh planner statistics for the flags it wrote."""
    from claims.checks.flagwrites import flags_statistics_refresh

    flags_statistics_refresh()


@shared_task(base=ChecksTask, name="claims.checks_sweep")
def checks_sweep_task() -> int:
    """The periodic sweep: one task per group of metrics (a big metric alone, small ones together,
    CHECKS_SWEEP_GROUP_FIGURES figures a group), then the unverified codes in claim-id batches, so
    that several workers share it. Returns the number of metric groups."""
    from django.conf import settings

    from claims.checks.engine import sweep_metric_groups

    groups = sweep_metric_groups(settings.CHECKS_SWEEP_GROUP_FIGURES)
    _fan_out([checks_sweep_metrics_task.si(ids) for ids in groups], then=checks_sweep_unverified_all_task.si())
    return len(groups)


@shared_task(base=ChecksTask, name="claims.flags_digest")
def flags_digest_task() -> int:
    from claims.checks.digest import flags_digest_send

    return flags_digest_send()


def _fan_out(tasks: list, *, then) -> None:
    """Queue the tasks to run in parallel, and `then` once every one of them is done (at once when
    there are none: a chord over an empty group would never fire)."""
    if tasks:
        chain(group(tasks), then).apply_async()
    else:
        then.apply_async()


def _counts(summary) -> dict:
    return {f"{code}:{event}": n for (code, event), n in summary.items()}
