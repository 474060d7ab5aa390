"""Writing the drafts an editor accepted, through the bundle import: one transaction, history
rows naming the editor, checks queued after commit, exactly as for any other import."""

from __future__ import annotations

import re
from typing import Any

from claims.bundle.errors import BundleError, BundleInvalid
from claims.bundle.importer import ImportResult, bundle_import
from claims.bundle.schema import FORMAT
from claims.models import Claim, Metric
from sources.models import Document, Source

_CLAIM_PATH = re.compile(r"^claims\[(\d+)\]")


def intake_accept(
    *, document: dict[str, Any], sources: list[Any], metrics: list[Any], claims: list[Any], user: Any
) -> ImportResult:
    """Import ``claims`` (the accepted drafts, possibly edited) with only the proposed sources,
    metrics and document they refer to. Raises BundleInvalid, writing nothing, when a claim is
    wrong, when none is given, or when a key the draft proposed was taken since the draft was
    made (importing would then overwrite someone else's record). Paths of claim errors name the
    draft's key: ``claim 'doc-s7'.figures[0].value``."""
    if not claims:
        raise BundleInvalid([BundleError("claims", "accept at least one draft claim")])
    wanted = _references(claims)
    needed_sources = [s for s in sources if isinstance(s, dict) and s.get("key") in wanted["source"]]
    needed_metrics = [m for m in metrics if isinstance(m, dict) and m.get("key") in wanted["metric"]]
    documents = [document] if isinstance(document, dict) and document.get("key") in wanted["document"] else []
    errors = [
        *_taken(needed_sources, Source, "sources"),
        *_taken(needed_metrics, Metric, "metrics"),
        *_taken(documents, Document, "documents"),
        *_taken(claims, Claim, "claims"),
    ]
    if errors:
        raise BundleInvalid(_named(errors, claims))
    bundle = {"format": FORMAT, "sources": needed_sources, "documents": documents, "metrics": needed_metrics,
              "claims": claims}
    try:
        return bundle_import(data=bundle, user=user)
    except BundleInvalid as exc:
        raise BundleInvalid(_named(exc.errors, claims)) from None


def _references(claims: list[Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {"source": set(), "metric": set(), "document": set()}
    for claim in claims:
        if not isinstance(claim, dict):
            continue
        for figure in _dicts(claim.get("figures")):
            found["metric"].add(figure.get("metric"))
        for attribution in _dicts(claim.get("attributions")):
            for link in _dicts(attribution.get("chain")):
                found["source"].add(link.get("source"))
                found["document"].add(link.get("document"))
    return found


def _dicts(value: Any) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _taken(records: list[Any], model, section: str) -> list[BundleError]:
    keys = [r.get("key") for r in records if isinstance(r, dict) and isinstance(r.get("key"), str)]
    stored = set(model.objects.filter(key__in=keys).values_list("key", flat=True))
    what = model._meta.verbose_name
    return [
        BundleError(f"{section}[{i}].key", f"a {what} with the key {r['key']!r} exists already (made since the "
                                           "draft, or a second intake of the article): draft the article again")
        for i, r in enumerate(records) if isinstance(r, dict) and r.get("key") in stored
    ]


def _named(errors: list[BundleError], claims: list[Any]) -> list[BundleError]:
    """Index paths of the accepted subset mean nothing to the editor; the draft's key does."""
    out = []
    for error in errors:
        match = _CLAIM_PATH.match(error.path)
        index = int(match.group(1)) if match else None
        if index is not None and index < len(claims) and isinstance(claims[index], dict):
            key = claims[index].get("key")
            out.append(BundleError(f"claim {key!r}{error.path[match.end():]}", error.message))
        else:
            out.append(error)
    return out
