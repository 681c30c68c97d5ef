from __future__ import annotations

from django.urls import path

from parcours.transitions import aftercare_views as views

app_name = "followup"

urlpatterns = [
    path("watch/", views.watch_list, name="watch_list"),
    path("watch/<int:entry_id>/end/", views.watch_end, name="watch_end"),
    path("watch/<int:entry_id>/reactivate/", views.watch_reactivate, name="watch_reactivate"),
    path("patients/<int:pk>/", views.patient_followup, name="patient"),
    path("patients/<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("patients/<int:pk>/refusals/", views.refusal_add, name="refusal_add"),
    path("patients/<int:pk>/watch/", views.watch_start, name="watch_start"),
]
