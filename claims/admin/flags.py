"""The editors' review queue of flags: open flags first, filters, the two figures side by side, and
the resolve / dismiss actions (dismiss asks for a note on an intermediate page)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from claims.checks.explain import chain_words, figure_date_words, figure_words
from claims.checks.flags import flag_dismiss, flag_resolve
from claims.models import AttributionLink, Claim, Figure, Flag, FlagStatus
from sources.models import Source


class SourceFilter(admin.SimpleListFilter):
    """Flags whose claims cite a source anywhere in their chains."""

    title = "source in the chains"
    parameter_name = "source"

    def lookups(self, request, model_admin):
        cited = AttributionLink.objects.values("source_id")
        return list(Source.objects.filter(id__in=cited).order_by("name").values_list("id", "name")[:200])

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        cites = AttributionLink.objects.filter(source_id=self.value(), attribution__claim_id=OuterRef("pk"))
        claims = Claim.objects.filter(Exists(cites)).values("id")
        return queryset.filter(Q(claim_a_id__in=claims) | Q(claim_b_id__in=claims))


class DismissForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), help_text="Why this is not a problem.")


def open_first(queryset: QuerySet[Flag]) -> QuerySet[Flag]:
    return queryset.annotate(
        open_rank=Case(When(status=FlagStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("open_rank", "-created_at")


@admin.register(Flag)
class FlagAdmin(SimpleHistoryAdmin):
    list_display = ("code", "kind", "status", "metric", "claim_a", "claim_b", "short_explanation", "created_at")
    list_filter = ("status", "kind", "code", "metric", SourceFilter)
    list_select_related = ("metric", "claim_a", "claim_b")
    search_fields = ("explanation", "claim_a__key", "claim_b__key", "claim_a__text", "claim_b__text")
    actions = ("resolve_flags", "dismiss_flags")
    readonly_fields = ("kind", "code", "status", "metric", "claim_a", "claim_b", "explanation", "side_by_side",
                       "dismissed_by", "dismissed_note", "dismissed_at", "created_at", "updated_at")
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Flag]:
        return open_first(super().get_queryset(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Flag | None = None) -> bool:
        # Flags are findings of the checks: editors resolve or dismiss them, nobody deletes them.
        return False

    @admin.display(description="explanation")
    def short_explanation(self, obj: Flag) -> str:
        return obj.explanation if len(obj.explanation) <= 140 else obj.explanation[:137] + "..."

    @admin.display(description="figures and chains")
    def side_by_side(self, obj: Flag) -> str:
        return flag_sides_html(obj)

    @admin.action(description="Resolve the selected flags", permissions=["change"])
    def resolve_flags(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        for flag in queryset:
            flag_resolve(flag=flag, user=request.user)
        self.message_user(request, f"{queryset.count()} flag(s) resolved.", messages.SUCCESS)

    @admin.action(description="Dismiss the selected flags (asks for a note)", permissions=["change"])
    def dismiss_flags(self, request: HttpRequest, queryset: QuerySet[Flag]):
        form = DismissForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            flags = list(queryset)
            for flag in flags:
                flag_dismiss(flag=flag, user=request.user, note=form.cleaned_data["note"])
            self.message_user(request, f"{len(flags)} flag(s) dismissed.", messages.SUCCESS)
            return None
        return TemplateResponse(request, "admin/claims/flag/dismiss.html", {
            **self.admin_site.each_context(request),
            "title": "Dismiss flags", "flags": queryset, "form": form, "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        })


def flag_sides_html(flag: Flag) -> str:
    """The two figures (or the one claim) of a flag, side by side, each with its chains and date."""
    sides = []
    for claim, figure_id in ((flag.claim_a, flag.figure_a_id), (flag.claim_b, flag.figure_b_id)):
        if claim is None:
            continue
        figure = Figure.objects.filter(pk=figure_id).first() if figure_id else None
        chains = claim.attributions.prefetch_related("links__source")
        sides.append(format_html(
            '<td style="vertical-align:top;padding-right:2em"><strong>{}</strong><br>{}<br><em>{}</em><ul>{}</ul></td>',
            claim, figure_words(figure) if figure else "", figure_date_words(figure) if figure else "",
            format_html_join("", "<li>{}</li>", ((chain_words(chain),) for chain in chains)) or "no chain",
        ))
    return format_html("<table><tr>{}</tr></table>", format_html_join("", "{}", ((s,) for s in sides)))


class ClaimFlagsInline(admin.TabularInline):
    """Read-only list of the flags where the claim is claim_a. Hook it into the claim admin with
    `inlines = (..., ClaimFlagsInline, ClaimFlagsAsSecondInline)`."""

    model = Flag
    fk_name = "claim_a"
    fields = ("code", "status", "metric", "claim_b", "explanation")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = "flags"

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Flag]:
        return open_first(super().get_queryset(request).select_related("metric", "claim_b"))


class ClaimFlagsAsSecondInline(ClaimFlagsInline):
    """The conflicts where the claim is the second claim (claim_b)."""

    fk_name = "claim_b"
    fields = ("code", "status", "metric", "claim_a", "explanation")
    readonly_fields = fields
    verbose_name_plural = "conflicts with earlier claims"
