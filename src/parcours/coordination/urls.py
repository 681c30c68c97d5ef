from __future__ import annotations

from django.urls import path

from parcours.coordination import views

app_name = "coordination"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("sent/", views.sent, name="sent"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/transition/", views.task_transition, name="transition"),
    path("patients/<int:pk>/", views.patient_referrals, name="patient"),
    path("patients/<int:pk>/task/", views.patient_task_create, name="task_create"),
]
