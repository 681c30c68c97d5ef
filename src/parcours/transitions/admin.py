"""Django admin for the liaison protocol and screening triggers (configuration, not patient data).

Stays, plan items and screenings are patient-linked: never registered here (see
parcours.patients.access); they are reached through the stay pages and the API.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm

from parcours.transitions.models import LiaisonProtocol, ProtocolItem, ScreeningTrigger
from parcours.transitions.triggers import InvalidCondition, parse_condition


class ProtocolItemInline(admin.TabularInline):
    model = ProtocolItem
    extra = 0
    fields = ("order", "code", "label", "responsible_role", "anchor", "offset_days", "phase")


@admin.register(LiaisonProtocol)
class LiaisonProtocolAdmin(admin.ModelAdmin):
    list_display = ("name", "hospital", "ward", "active")
    list_filter = ("active",)
    search_fields = ("name", "hospital__code", "ward__code")
    raw_id_fields = ("hospital", "ward")
    inlines = [ProtocolItemInline]


class ScreeningTriggerForm(ModelForm):
    class Meta:
        model = ScreeningTrigger
        fields = (
            "hospital",
            "ward",
            "instrument",
            "condition",
            "active",
            "order",
            "code",
            "label",
            "responsible_role",
            "anchor",
            "offset_days",
            "phase",
        )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        try:
            parse_condition(str(data.get("instrument", "")), str(data.get("condition", "")))
        except InvalidCondition as exc:
            raise ValidationError({"condition": str(exc.message)}) from exc
        return data


@admin.register(ScreeningTrigger)
class ScreeningTriggerAdmin(admin.ModelAdmin):
    form = ScreeningTriggerForm
    list_display = ("instrument", "condition", "code", "hospital", "ward", "active")
    list_filter = ("instrument", "active")
    search_fields = ("code", "hospital__code")
    raw_id_fields = ("hospital", "ward")
