from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from parcours.interop.models import Hl7Source, InboundMessage


@admin.register(Hl7Source)
class Hl7SourceAdmin(admin.ModelAdmin[Hl7Source]):
    list_display = ["facility", "organisation", "time_zone", "active"]
    list_filter = ["active"]
    search_fields = ["facility", "organisation__code"]
    autocomplete_fields = ["organisation"]


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin[InboundMessage]):
    """Read-only: messages change through ingestion and replay only. The raw text is left out
    of the list; it holds patient data."""

    list_display = ["received_at", "sending_facility", "control_id", "event", "status", "ack_code"]
    list_filter = ["status", "ack_code", "event"]
    search_fields = ["control_id"]
    exclude = ["raw_text"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: InboundMessage | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: InboundMessage | None = None
    ) -> bool:
        return False
