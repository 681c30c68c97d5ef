from __future__ import annotations

from django.urls import path, re_path

from parcours.interop.fhir import views

app_name = "fhir"

urlpatterns = [
    path("", views.root, name="root"),
    path("metadata", views.metadata, name="metadata"),
    re_path(r"^(?P<type_name>[A-Z][A-Za-z]{1,63})/?$", views.type_level, name="type"),
    re_path(
        r"^(?P<type_name>[A-Z][A-Za-z]{1,63})/(?P<resource_id>[A-Za-z0-9\-.]{1,64})/?$",
        views.instance_level,
        name="instance",
    ),
    re_path(r"^(?P<rest>.*)$", views.unknown, name="unknown"),
]
