from __future__ import annotations

from django.urls import path

from parcours.directory import views

app_name = "directory"

urlpatterns = [
    path("", views.search, name="search"),
    path("services/<int:service_id>/", views.service_page, name="service"),
    path("services/<int:service_id>/capacity/", views.capacity_update, name="capacity"),
    path("organisations/<slug:code>/", views.organisation_page, name="organisation"),
]
