"""Queue the checks after any write to what they read. Bulk writers (the import) bypass signals
and call checks_enqueue themselves."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_delete

from claims.checks.neighbours import gone_record
from claims.models import Attribution, AttributionLink, Claim, Figure, Metric
from claims.queueing import checks_enqueue
from sources.models import Document, Source


def _claim_of_link(link: AttributionLink) -> int | None:
    return Attribution.objects.filter(pk=link.attribution_id).values_list("claim_id", flat=True).first()


def claim_changed(sender, instance: Claim, **kwargs) -> None:
    if kwargs.get("signal") is post_delete:
        # Its flags went with it; the figures it leaves behind on its metrics may agree again.
        return
    checks_enqueue(claim_ids=[instance.pk])


def figure_changed(sender, instance: Figure, **kwargs) -> None:
    if kwargs.get("signal") is not post_delete:
        checks_enqueue(claim_ids=[instance.claim_id])
        return
    # A deleted figure's neighbours lose a conflict or a corroboration: its metric is re-swept when
    # its claim has no figure left there, else the claim's check rechecks the neighbours it matched.
    gone = getattr(instance, "_checks_gone", None)
    checks_enqueue(claim_ids=[instance.claim_id], metric_ids=[instance.metric_id], gone=[gone] if gone else [])


def figure_deleting(sender, instance: Figure, **kwargs) -> None:
    """Read what the checks stored of the figure while its FigureCheck row still exists (the delete
    takes it along), for figure_changed to pass on after the delete."""
    instance._checks_gone = gone_record(instance)


def attribution_changed(sender, instance: Attribution, **kwargs) -> None:
    checks_enqueue(claim_ids=[instance.claim_id])


def link_changed(sender, instance: AttributionLink, **kwargs) -> None:
    checks_enqueue(claim_ids=[_claim_of_link(instance)])


def source_changed(sender, instance: Source, **kwargs) -> None:
    """A new grade or parent changes the origins' grades and roots of every claim citing the
    source or any source below it."""
    ids, frontier = {instance.pk}, {instance.pk}
    while frontier:
        frontier = set(Source.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - ids
        ids |= frontier
    checks_enqueue(claim_ids=AttributionLink.objects.filter(source_id__in=ids).order_by().values_list(
        "attribution__claim_id", flat=True).distinct())


def document_changed(sender, instance: Document, **kwargs) -> None:
    checks_enqueue(claim_ids=AttributionLink.objects.filter(document_id=instance.pk).order_by().values_list(
        "attribution__claim_id", flat=True).distinct())


def metric_changed(sender, instance: Metric, **kwargs) -> None:
    if kwargs.get("signal") is post_save and not kwargs.get("created"):
        checks_enqueue(metric_ids=[instance.pk])


HANDLERS = (
    (Claim, claim_changed), (Figure, figure_changed), (Attribution, attribution_changed),
    (AttributionLink, link_changed), (Source, source_changed), (Document, document_changed),
    (Metric, metric_changed),
)


def connect() -> None:
    for model, handler in HANDLERS:
        for signal in (post_save, post_delete):
            signal.connect(handler, sender=model, dispatch_uid=f"checks-{model.__name__}-{signal is post_save}")
    pre_delete.connect(figure_deleting, sender=Figure, dispatch_uid="checks-Figure-pre-delete")
