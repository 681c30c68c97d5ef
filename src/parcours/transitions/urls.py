from __future__ import annotations

from django.urls import include, path

from parcours.transitions import views

app_name = "transitions"

urlpatterns = [
    path("<int:pk>/", views.stay_detail, name="stay"),
    path("<int:pk>/referent/", views.stay_referent, name="referent"),
    path("<int:pk>/expected-discharge/", views.stay_expected_discharge, name="expected_discharge"),
    path("<int:pk>/discharge/", views.stay_discharge, name="discharge"),
    path("<int:pk>/items/", views.plan_item_add, name="item_add"),
    path("<int:pk>/items/<int:item_id>/status/", views.plan_item_status, name="item_status"),
    path("<int:pk>/screenings/<slug:code>/", views.screening_new, name="screening_new"),
    path("<int:pk>/letter/", include("parcours.transitions.letter_urls")),
    path("protocols/", views.protocol_hospitals, name="protocol_hospitals"),
    path("protocols/<int:hospital_id>/", views.protocol_config, name="protocols"),
    path("protocols/<int:hospital_id>/new/", views.protocol_create, name="protocol_create"),
    path(
        "protocols/<int:hospital_id>/<int:protocol_id>/items/new/",
        views.protocol_item_edit,
        name="protocol_item_add",
    ),
    path(
        "protocols/<int:hospital_id>/<int:protocol_id>/items/<int:item_id>/",
        views.protocol_item_edit,
        name="protocol_item",
    ),
    path("protocols/<int:hospital_id>/triggers/new/", views.trigger_edit, name="trigger_add"),
    path(
        "protocols/<int:hospital_id>/triggers/<int:trigger_id>/",
        views.trigger_edit,
        name="trigger",
    ),
]
