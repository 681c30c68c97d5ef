from __future__ import annotations

from django.contrib import admin

from parcours.directory.models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("code", "display_name", "type", "parent", "active")
    list_filter = ("type", "country", "active")
    search_fields = ("code", "name")
    autocomplete_fields = ["parent"]
