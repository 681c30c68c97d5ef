from __future__ import annotations

from django.urls import path

from parcours.interop import views

app_name = "interop"

urlpatterns = [
    path("hl7/errors/", views.hl7_errors, name="hl7_errors"),
    path("hl7/messages/<int:pk>/replay/", views.hl7_replay, name="hl7_replay"),
]
