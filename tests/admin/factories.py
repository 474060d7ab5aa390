"""Small builders for admin tests: records made with the ORM, with only what a test cares about."""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.contrib.auth.models import Group, User

from accounts.roles import ensure_roles
from claims.models import Attribution, AttributionLink, Claim, Figure, Metric, Tag
from sources.dates import parse_partial_date
from sources.models import Document, Source

_serial = itertools.count(1)


def _key(prefix: str) -> str:
    return f"{prefix}-{next(_serial)}"


def staff_user(role: str, username: str | None = None) -> User:
    """A staff user in one of the role groups of accounts.roles."""
    ensure_roles()
    user = User.objects.create_user(username=username or _key(role), password="pw-for-tests-only", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def source(name: str, **fields) -> Source:
    fields.setdefault("kind", "other")
    return Source.objects.create(key=_key("source"), name=name, **fields)


def document(title: str, *, published: str = "", **fields) -> Document:
    if published:
        fields["published"], fields["published_precision"] = parse_partial_date(published)
    return Document.objects.create(key=_key("doc"), title=title, **fields)


def metric(name: str, **fields) -> Metric:
    return Metric.objects.create(key=_key("metric"), name=name, **fields)


def claim(text: str = "About 600 troops were killed", *, tags: tuple[str, ...] = (), **fields) -> Claim:
    made = Claim.objects.create(key=_key("claim"), text=text, **fields)
    for name in tags:
        made.tags.add(Tag.objects.get_or_create(name=name)[0])
    return made


def figure(of: Claim, on: Metric, value: str = "600", *, as_of: str = "", position: int | None = None,
           qualifier: str = "approximate", text: str = "") -> Figure:
    dated = {}
    if as_of:
        dated["as_of"], dated["as_of_precision"] = parse_partial_date(as_of)
    if position is None:
        position = of.figures.count()
    return Figure.objects.create(
        claim=of, metric=on, qualifier=qualifier, value=Decimal(value), position=position, text=text, **dated
    )


def chain(of: Claim, *sources: Source, documents: dict[int, Document] | None = None) -> Attribution:
    """A chain of the given sources, outermost first; `documents` maps a link position to its document."""
    attribution = Attribution.objects.create(claim=of, position=of.attributions.count())
    for position, speaker in enumerate(sources):
        AttributionLink.objects.create(
            attribution=attribution, position=position, source=speaker,
            document=(documents or {}).get(position),
        )
    return attribution
