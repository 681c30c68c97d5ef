from __future__ import annotations

from django.urls import path

from parcours.patients import views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("break-the-glass/", views.break_glass_lookup, name="break_glass_lookup"),
    path("<int:pk>/", views.patient_detail, name="detail"),
    path("<int:pk>/identifiers/", views.identifier_add, name="identifier_add"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    path("<int:pk>/circle/", views.circle, name="circle"),
    path("<int:pk>/circle/search/", views.circle_search, name="circle_search"),
    path("<int:pk>/circle/add/", views.circle_add, name="circle_add"),
    path("<int:pk>/circle/<int:member_id>/end/", views.circle_end, name="circle_end"),
    path("<int:pk>/circle/<int:member_id>/confirm/", views.circle_confirm, name="circle_confirm"),
    path("<int:pk>/consent/", views.consent, name="consent"),
    path("<int:pk>/exclusions/", views.exclusion_add, name="exclusion_add"),
    path(
        "<int:pk>/exclusions/<int:exclusion_id>/lift/", views.exclusion_lift, name="exclusion_lift"
    ),
    path("<int:pk>/access-log/", views.access_log, name="access_log"),
    path("<int:pk>/break-the-glass/", views.break_glass, name="break_glass"),
    path("<int:pk>/export.json", views.export, name="export"),
]
