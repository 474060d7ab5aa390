"""Turn a rendered admin change form back into the POST data a browser would send."""

from __future__ import annotations

from typing import Any


def _add_form(data: dict[str, Any], form) -> None:
    for bound in form:
        value = bound.value()
        if value is None:
            value = ""
        if value is True:
            value = "on"
        if value is False:
            continue
        if isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        else:
            data[bound.html_name] = str(value)


def change_form_data(response) -> dict[str, Any]:
    """The main form and every inline formset (with its management form) as currently shown."""
    data: dict[str, Any] = {}
    _add_form(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _add_form(data, formset.management_form)
        for form in formset.forms:
            _add_form(data, form)
    return data
