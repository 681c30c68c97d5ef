from __future__ import annotations

from django.urls import path

from parcours.messaging import transmission_views as views

app_name = "transmissions"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("sent/", views.sent, name="sent"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/follow/", views.follow, name="follow"),
    path(
        "<int:pk>/recipients/<int:recipient_id>/acknowledge/",
        views.acknowledge,
        name="acknowledge",
    ),
    path("<int:pk>/recipients/<int:recipient_id>/hand-over/", views.hand_over, name="hand_over"),
    path("patient/<int:patient_id>/", views.patient_block, name="patient"),
    path("patient/<int:patient_id>/new/", views.send, name="send"),
]
