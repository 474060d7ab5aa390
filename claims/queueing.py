"""Queue the checks for what a write touched, after the transaction commits.

Placeholder interface while the checks are being built (issue 4 fills it in): every writer calls
`checks_enqueue`, so the admin, the API, the CLI and the import share one entry point.
"""

from __future__ import annotations

from collections.abc import Iterable


def checks_enqueue(*, claim_ids: Iterable[int] = (), metric_ids: Iterable[int] = ()) -> None:
    """Queue the checks for these claims and metrics once the current transaction commits.
    Never raises: a broker outage must not fail the user's save (the sweep catches up)."""
    return None
