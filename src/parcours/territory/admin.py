from __future__ import annotations

from django.contrib import admin

from parcours.territory.models import CareArea, Municipality


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ("code", "display_name", "country", "region", "department")
    list_filter = ("country", "region")
    search_fields = ("code", "name", "postcodes")


@admin.register(CareArea)
class CareAreaAdmin(admin.ModelAdmin):
    list_display = ("code", "__str__", "country")
    filter_horizontal = ("municipalities",)
