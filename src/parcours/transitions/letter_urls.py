"""The liaison letter pages, under /stays/<pk>/letter/ (included by `transitions.urls`)."""

from __future__ import annotations

from django.urls import path

from parcours.transitions import letter_views as views

app_name = "letter"

urlpatterns = [
    path("", views.letter_page, name="page"),
    path("draft/", views.letter_draft, name="draft"),
    path("send/", views.letter_send, name="send"),
    path("<int:version>/", views.letter_version, name="version"),
    path("<int:version>/patient/", views.letter_patient_copy, name="patient_copy"),
    path("<int:version>/patient/hand-over/", views.letter_hand_over, name="hand_over"),
]
