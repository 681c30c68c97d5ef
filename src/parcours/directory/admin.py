from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from parcours.directory.documents import (
    organisation_reindex,
    professionals_reindex,
    services_reindex,
)
from parcours.directory.models import (
    Closure,
    ContactChannel,
    OpeningHours,
    Organisation,
    OrganisationIdentifier,
    Professional,
    ProfessionalRole,
    Referent,
    Service,
)


class IdentifierInline(admin.TabularInline):
    model = OrganisationIdentifier
    extra = 0


class ChannelInline(admin.TabularInline):
    model = ContactChannel
    extra = 0
    fields = ("kind", "value")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("code", "display_name", "type", "parent", "active")
    list_filter = ("type", "country", "active")
    search_fields = ("code", "name")
    autocomplete_fields = ["parent", "municipality"]
    inlines = [IdentifierInline, ChannelInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        organisation_reindex(form.instance)


class HoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 0


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("code", "display_name", "category", "capacity_status", "active")
    list_filter = ("category", "country", "capacity_status", "active")
    search_fields = ("code",)
    raw_id_fields = ("organisation", "location", "capacity_updated_by")
    filter_horizontal = ()
    autocomplete_fields = ["areas"]
    inlines = [HoursInline, ClosureInline, ChannelInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services_reindex([form.instance.id])


class RoleInline(admin.TabularInline):
    model = ProfessionalRole
    extra = 0
    raw_id_fields = ("organisation",)


class ReferentInline(admin.TabularInline):
    model = Referent
    extra = 0
    raw_id_fields = ("organisation",)


@admin.register(Professional)
class ProfessionalAdmin(admin.ModelAdmin):
    list_display = ("family_name", "given_name", "profession", "active")
    list_filter = ("profession", "active")
    search_fields = ("family_name", "code", "rpps", "riziv")
    raw_id_fields = ("user",)
    inlines = [RoleInline, ReferentInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        professionals_reindex([form.instance.id])
