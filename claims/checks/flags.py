"""Flag services: record what the checks found (an idempotent upsert keyed by the finding) and the
editors' decisions (dismiss, resolve). Every write names a user in the flag's history."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from claims.checks import flagwrites
from claims.checks.explain import ChainNames, ExplanationContext, FigureSaid
from claims.checks.idsets import ids_filters
from claims.models import Attribution, AttributionLink, Figure, Flag, FlagKind, FlagStatus

log = logging.getLogger(__name__)
CHECKS_USERNAME = "checks"
# Findings up to which _existing leaves the resolved flags they do not name in the database. An
# incremental check finds a few hundred at most. A sweep group finds tens of thousands, on most of
# the claims in its scope, so the filter would spare few rows and cost a long one to evaluate.
_FEW_FINDINGS = 2000


class Finding(NamedTuple):
    kind: str
    code: str
    metric_id: int | None
    claim_a: int
    claim_b: int | None
    figure_a: int | None = None
    figure_b: int | None = None
    # The sentence, when the finder already holds what it needs (the unverified batches); else
    # _explain writes it from the records the findings mention.
    explanation: str | None = None

    @property
    def key(self) -> tuple:
        return (self.kind, self.code, self.metric_id, self.claim_a, self.claim_b)


def flag_key(flag: Flag) -> tuple:
    return (flag.kind, flag.code, flag.metric_id, flag.claim_a_id, flag.claim_b_id)


def checks_user():
    """The account the checks write history as: a real user row, so history always names someone,
    that cannot log in."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=CHECKS_USERNAME).first()
    if user is None:
        try:
            with transaction.atomic():
                user = user_model(username=CHECKS_USERNAME, is_active=False)
                user.set_unusable_password()
                user.save()
        except IntegrityError:
            user = user_model.objects.get(username=CHECKS_USERNAME)
    return user


def flag_fingerprint(flag: Flag) -> str:
    """A digest of the figures and chains the flag involves: a dismissal holds while it is unchanged."""
    claims = [cid for cid in (flag.claim_a_id, flag.claim_b_id) if cid]
    figures = Figure.objects.filter(claim_id__in=claims)
    if flag.kind == FlagKind.CONFLICT:
        figures = figures.filter(metric_id=flag.metric_id)
    parts = [repr(list(figures.order_by("id").values_list(
        "id", "claim_id", "metric_id", "qualifier", "value", "lower", "upper", "as_of", "as_of_precision"
    )))]
    chains = Attribution.objects.filter(claim_id__in=claims).order_by("id")
    parts.append(repr(list(chains.values_list("id", "claim_id"))))
    parts.append(repr(list(AttributionLink.objects.filter(attribution__claim_id__in=claims).order_by("id").values_list(
        "id", "attribution_id", "position", "source_id", "document_id", "date", "date_precision"
    ))))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class RecomputeSummary(Counter):
    """Counts of (code, what happened): opened, reopened, resolved."""

    def add(self, code: str, event: str, n: int = 1) -> None:
        self[(code, event)] += n


class NewFlag:
    """A flag about to be inserted, with the attributes of Flag that the inserts read: a sweep
    opens hundreds of thousands, and model instances would cost more than the writes."""

    __slots__ = (
        "claim_a_id",
        "claim_b_id",
        "code",
        "created_at",
        "explanation",
        "figure_a_id",
        "figure_b_id",
        "kind",
        "metric_id",
        "status",
        "updated_at",
    )

    def __init__(self, finding: Finding, now) -> None:
        self.kind, self.code, self.metric_id = finding.kind, finding.code, finding.metric_id
        self.claim_a_id, self.claim_b_id = finding.claim_a, finding.claim_b
        self.figure_a_id, self.figure_b_id = finding.figure_a, finding.figure_b
        self.status, self.explanation = FlagStatus.OPEN, finding.explanation or ""
        self.created_at = self.updated_at = now

    def model(self) -> Flag:
        return Flag(**{name: getattr(self, name) for name in self.__slots__})


def _explain(flags: list, chain_names: ChainNames | None = None, figures_said: FigureSaid | None = None) -> None:
    flags = [flag for flag in flags if not flag.explanation]
    if not flags:
        return
    context = ExplanationContext(
        [fid for f in flags for fid in (f.figure_a_id, f.figure_b_id) if fid],
        [cid for f in flags for cid in (f.claim_a_id, f.claim_b_id) if cid],
        chain_names=chain_names, figures_said=figures_said,
    )
    for flag in flags:
        if flag.kind == FlagKind.CONFLICT:
            flag.explanation = context.conflict(flag.code, flag.claim_a_id, flag.claim_b_id,
                                                flag.figure_a_id, flag.figure_b_id)
        else:
            flag.explanation = context.unverified(flag.code, flag.claim_a_id)


def _insert(flags: list[NewFlag], user, now) -> Counter:
    """Insert new flags (counted by code); a concurrent run may have inserted some of the same
    findings meanwhile, in which case the unique constraints refuse them and we keep the other run's
    row."""
    if flagwrites.supported():
        return flagwrites.flags_insert_set_based(flags, user=user, now=now)
    return Counter(flag.code for flag in _insert_portable([flag.model() for flag in flags], user))


def _insert_portable(flags: list[Flag], user) -> list[Flag]:
    try:
        with transaction.atomic():
            created = Flag.objects.bulk_create(flags, batch_size=1000)
            Flag.history.bulk_history_create(created, default_user=user)
            return created
    except IntegrityError:
        created = []
        for flag in flags:
            flag.pk = None
            flag._history_user = user
            try:
                with transaction.atomic():
                    flag.save()
                created.append(flag)
            except IntegrityError:
                log.info("flag %s already recorded by a concurrent check", flag)
        return created


class StoredFlag:
    """A flag this run may change, read as plain values with the attributes that flags_recompute,
    flag_fingerprint and the set-based update use. An edit in a busy metric re-opens or resolves
    hundreds of flags at once, and as model instances (every column, three timestamps parsed) they
    were a tenth of the incremental check. `explanation` None keeps the stored sentence."""

    __slots__ = ("claim_a_id", "claim_b_id", "code", "dismissed_fingerprint", "explanation", "figure_a_id",
                 "figure_b_id", "kind", "metric_id", "pk", "status")
    # The columns read, in the order __init__ takes them (the key of flag_key is values 1-5).
    FIELDS = ("id", "kind", "code", "metric_id", "claim_a_id", "claim_b_id", "status", "figure_a_id",
              "figure_b_id", "dismissed_fingerprint")

    def __init__(self, *values) -> None:
        for name, value in zip(("pk", *self.FIELDS[1:]), values, strict=True):
            setattr(self, name, value)
        self.explanation = None


def _named_by(findings: Iterable[Finding]) -> Q:
    """Flags whose pair of claims some finding names: a superset of the found keys (claim_a of one
    with claim_b of another), narrow enough for the database to drop the rest. The ids go as
    arrays (idsets' `__any`), as every long id list of the checks does."""
    firsts, seconds = set(), set()
    for finding in findings:
        firsts.add(finding.claim_a)
        seconds.add(finding.claim_b)
    second = Q(claim_b_id__any=sorted(seconds - {None}))
    if None in seconds:
        second |= Q(claim_b_id__isnull=True)
    return Q(claim_a_id__any=sorted(firsts)) & second


def _existing(scope: Q, found: dict[tuple, Finding]) -> tuple[set[tuple], dict[tuple, Flag | StoredFlag]]:
    """The keys of the flags within scope that matter here, and in full only the flags this run may
    change: an open flag found again needs nothing (the steady state of a sweep), and a resolved
    flag not found stays as it is. Reading the rest as keys only keeps a sweep from building
    hundreds of thousands of objects it will not touch. On PostgreSQL the flags to change come with
    the keys, as StoredFlag values; elsewhere they are read again as model instances, which the
    portable update (with its history rows) needs.

    Resolved flags pile up around an edited claim: each correction that moves a figure past its
    neighbours resolves or re-opens hundreds, and after a few edits a claim can hold tens of
    thousands (15,002 after one outlier edit in the bench), read by every later check of it for
    nothing. With few findings, the resolved flags that no finding names stay in the database: the
    keys that matter are the findings' (new or re-opened) and the flags not resolved (to resolve)."""
    flags = Flag.objects.filter(scope).order_by()
    if len(found) <= _FEW_FINDINGS:
        flags = flags.filter(~Q(status=FlagStatus.RESOLVED) | _named_by(found.values()))
    rows = flags.values_list(*StoredFlag.FIELDS)
    present: set[tuple] = set()
    wanted = []
    for row in rows:
        key, status = row[1:6], row[6]
        present.add(key)
        if (key in found and status != FlagStatus.OPEN) or (key not in found and status != FlagStatus.RESOLVED):
            wanted.append(row)
    existing: dict[tuple, Flag | StoredFlag] = {}
    if flagwrites.supported():
        for row in wanted:
            existing[row[1:6]] = StoredFlag(*row)
        return present, existing
    for where in ids_filters("id", [row[0] for row in wanted]):
        for flag in Flag.objects.filter(where).order_by():
            existing[flag_key(flag)] = flag
    return present, existing


def flags_recompute(
    *, findings: Iterable[Finding], scope: Q, user=None, chain_names: ChainNames | None = None,
    figures_said: FigureSaid | None = None,
) -> RecomputeSummary:
    """Make the flags within `scope` say exactly what `findings` say. New findings become open flags;
    a resolved flag found again re-opens; an open flag not found any more is resolved; a dismissed
    flag keeps its dismissal until the figures or chains it involves change (its fingerprint), and is
    then re-opened or resolved like any other. Running it twice changes nothing. `chain_names`: the
    claims' chains as source names, and `figures_said` what to say of a figure (explain.figure_said),
    when the caller has read them (the sentences name them)."""
    user = user or checks_user()
    found = {finding.key: finding for finding in findings}
    summary = RecomputeSummary()
    present, existing = _existing(scope, found)
    new, changed = [], []
    now = timezone.now()
    for key, finding in found.items():
        flag = existing.get(key)
        if key not in present:
            new.append(NewFlag(finding, now))
        elif flag is None:
            continue  # open and found again: nothing to do
        elif flag.status == FlagStatus.RESOLVED or (
            flag.status == FlagStatus.DISMISSED and flag_fingerprint(flag) != flag.dismissed_fingerprint
        ):
            flag.status = FlagStatus.OPEN
            flag.figure_a_id, flag.figure_b_id = finding.figure_a, finding.figure_b
            flag.explanation = finding.explanation or ""
            changed.append(flag)
            summary.add(flag.code, "reopened")
    resolved = []
    for key, flag in existing.items():
        if key in found:
            continue
        if flag.status == FlagStatus.OPEN or (
            flag.status == FlagStatus.DISMISSED and flag_fingerprint(flag) != flag.dismissed_fingerprint
        ):
            flag.status = FlagStatus.RESOLVED
            resolved.append(flag)
            summary.add(flag.code, "resolved")
    _explain(new + changed, chain_names, figures_said)
    for code, n in _insert(new, user, now).items():
        summary.add(code, "opened", n)
    if (changed or resolved) and flagwrites.supported():
        flagwrites.flags_update_set_based(changed + resolved, user=user, now=now)
    elif changed or resolved:
        for flag in changed + resolved:
            flag.updated_at = now
            flag.version += 1
        bulk_update_with_history(
            changed + resolved, Flag, ["status", "figure_a", "figure_b", "explanation", "updated_at", "version"],
            batch_size=500, default_user=user,
        )
    return summary


def flag_dismiss(*, flag: Flag, user, note: str) -> Flag:
    """An editor decides the finding is not a problem. The note is required: the next editor must
    know why. The fingerprint ties the dismissal to what the editor looked at."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Say why this flag is not a problem."})
    flag.status = FlagStatus.DISMISSED
    flag.dismissed_note = note
    flag.dismissed_by = user
    flag.dismissed_at = timezone.now()
    flag.dismissed_fingerprint = flag_fingerprint(flag)
    flag._history_user = user
    flag.save()
    return flag


def flag_resolve(*, flag: Flag, user) -> Flag:
    """An editor marks the finding dealt with (usually after correcting the data). If the checks
    still find the condition on their next run, they re-open it: a resolve cannot hide a conflict."""
    flag.status = FlagStatus.RESOLVED
    flag._history_user = user
    flag.save()
    return flag
