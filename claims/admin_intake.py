"""The admin's intake page: paste an article, review its draft claims beside their sentences,
edit, accept some and discard the rest. The page only carries text between the editor and the
intake services (claims.intake); the accepted claims are written by the bundle import.

The draft travels in the form itself (the document in a hidden field, proposals and claims in
textareas), so a failed accept shows the page again with every edit kept, and nothing is held
on the server between the two steps.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from claims.bundle.errors import BundleError, BundleInvalid
from claims.intake import MAX_TEXT_CHARS, intake_accept, intake_draft
from claims.intake.jsontext import dumps, loads

TEMPLATE = "admin/intake/intake.html"
ADD_CLAIM = "claims.add_claim"


class IntakeForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 14, "cols": 100}), max_length=MAX_TEXT_CHARS,
                           help_text="The article's text, as published.")
    publisher = forms.CharField(max_length=100, help_text="Key of the stored source that published it (reuters).")
    published = forms.CharField(max_length=10, help_text="Publication date: YYYY, YYYY-MM or YYYY-MM-DD.")
    url = forms.CharField(required=False, max_length=1000)
    title = forms.CharField(required=False, max_length=500)


def highlight(sentence: str, spans: list[tuple[int, int]]) -> SafeString:
    """The sentence as HTML, escaped, with each figure's words in <mark>. Spans that overlap or
    fall outside the sentence (a tampered form) are skipped rather than trusted."""
    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        if not (isinstance(start, int) and isinstance(end, int)) or start < pos or end > len(sentence) or start >= end:
            continue
        out.append(escape(sentence[pos:start]))
        out.append(f"<mark>{escape(sentence[start:end])}</mark>")
        pos = end
    out.append(escape(sentence[pos:]))
    return mark_safe("".join(out))  # noqa: S308  (every piece of text above went through escape())


def intake_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(ADD_CLAIM):
        raise PermissionDenied("Only editors may draft and accept claims.")
    context = {**admin.site.each_context(request), "title": "Article intake"}
    if request.method == "POST" and request.POST.get("action") == "accept":
        return _accept(request, context)
    form = IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draft = intake_draft(**form.cleaned_data)
        except BundleInvalid as exc:
            for error in exc.errors:
                form.add_error(error.path if error.path in form.fields else None, error.message)
        else:
            rows = [
                {"index": s.index, "key": s.claim_key, "sentence": s.text, "spans": list(s.figure_spans),
                 "claim": dumps(claim), "accepted": False}
                for s, claim in zip(draft.sentences, draft.claims, strict=True)
            ]
            return _review(request, context, rows=rows, document=draft.bundle["documents"][0],
                           proposals={"sources": draft.bundle["sources"], "metrics": draft.bundle["metrics"]},
                           notes=draft.notes)
    context.update({"form": form, "rows": None})
    return render(request, TEMPLATE, context, status=400 if request.method == "POST" else 200)


def _review(request: HttpRequest, context: dict[str, Any], *, rows: list[dict], document: Any,
            proposals: Any, notes: list[str] = (), errors: list[BundleError] = (),
            proposals_text: str | None = None) -> HttpResponse:
    for row in rows:
        row["html"] = highlight(row["sentence"], row["spans"])
    context.update({
        "rows": rows,
        "document_json": json.dumps(document, ensure_ascii=False),
        "sentences_json": json.dumps([{k: row[k] for k in ("index", "key", "sentence", "spans")} for row in rows],
                                     ensure_ascii=False),
        "proposals": proposals_text if proposals_text is not None else dumps(proposals),
        "notes": notes,
        "errors": errors,
        "document": document if isinstance(document, dict) else {},
    })
    return render(request, TEMPLATE, context, status=400 if errors else 200)


def _accept(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    errors: list[BundleError] = []
    sentences = _json_field(request.POST.get("sentences", ""), "sentences", errors)
    sentences = [s for s in sentences if isinstance(s, dict)] if isinstance(sentences, list) else []
    document = _json_field(request.POST.get("document", ""), "document", errors)
    proposals_text = request.POST.get("proposals", "")
    proposals = _json_field(proposals_text, "proposals", errors)
    accepted = set(request.POST.getlist("accept"))
    rows, claims = [], []
    for i, sentence in enumerate(sentences):
        text = request.POST.get(f"claim-{i}", "")
        row = {"index": sentence.get("index"), "key": str(sentence.get("key", "")),
               "sentence": str(sentence.get("sentence", "")), "claim": text, "accepted": str(i) in accepted,
               "spans": [tuple(s) for s in sentence.get("spans", []) if isinstance(s, list) and len(s) == 2]}
        rows.append(row)
        if row["accepted"]:
            claims.append(_json_field(text, f"claim {row['key']!r}", errors))
    if not isinstance(proposals, dict):
        proposals = {}
        errors.append(BundleError("proposals", 'must be a JSON object: {"sources": [...], "metrics": [...]}'))
    if not errors:
        try:
            result = intake_accept(document=document, sources=_list(proposals.get("sources")),
                                   metrics=_list(proposals.get("metrics")), claims=claims, user=request.user)
        except BundleInvalid as exc:
            errors = exc.errors
        else:
            keys = ", ".join(c["key"] for c in claims)
            messages.success(request, f"Accepted {len(claims)} draft claim(s) ({keys}); discarded "
                                      f"{len(rows) - len(claims)}. {result.summary()}.")
            return HttpResponseRedirect(reverse("admin:claims_claim_changelist"))
    return _review(request, context, rows=rows, document=document, proposals=proposals, errors=errors,
                   proposals_text=proposals_text)


def _json_field(text: str, place: str, errors: list[BundleError]) -> Any:
    try:
        return loads(text)
    except (ValueError, RecursionError) as exc:
        errors.append(BundleError(place, f"is not valid JSON: {exc}"))
        return None


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


urlpatterns = [
    path("", admin.site.admin_view(intake_view), name="intake_article"),
]
