from __future__ import annotations

from django.urls import path

from parcours.transitions import worklist_views

app_name = "worklist"

urlpatterns = [
    path("", worklist_views.worklist_page, name="page"),
]
