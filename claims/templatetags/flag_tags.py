"""Template tags for the admin pages of the review queue."""

from django import template

from claims.models import Flag, FlagStatus

register = template.Library()


@register.simple_tag
def open_flag_count() -> int:
    return Flag.objects.filter(status=FlagStatus.OPEN).count()
