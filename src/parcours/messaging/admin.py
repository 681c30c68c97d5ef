from __future__ import annotations

from django.contrib import admin

from parcours.messaging.models import (
    DeliveryAttempt,
    Notification,
    NotificationPreference,
    OutboxMessage,
    WebhookEndpoint,
)


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("number", "worker", "started_at", "finished_at", "outcome", "error")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("idempotency_key", "channel", "status", "attempts", "next_attempt_at")
    list_filter = ("status", "channel")
    search_fields = ("idempotency_key",)
    inlines = [DeliveryAttemptInline]
    readonly_fields = ("notification", "recipient", "endpoint", "idempotency_key", "payload")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("kind", "recipient", "created_at", "read_at")
    list_filter = ("kind",)
    raw_id_fields = ("recipient",)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "in_app", "email", "webhook", "email_daily_digest")
    raw_id_fields = ("user",)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("organisation", "url", "active")
    exclude = ("secret",)
