from __future__ import annotations

from django.urls import path

from parcours.messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.notifications, name="notifications"),
    path("read/", views.mark_read, name="mark_read"),
    path("<int:pk>/open/", views.open_notification, name="open"),
    path("preferences/", views.preferences, name="preferences"),
]
