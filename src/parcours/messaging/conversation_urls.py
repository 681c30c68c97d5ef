from __future__ import annotations

from django.urls import path

from parcours.messaging import conversation_views as views

app_name = "conversations"

urlpatterns = [
    path("", views.conversation_list, name="list"),
    path("new/", views.conversation_new, name="new"),
    path("patient/<int:patient_id>/", views.patient_conversation, name="patient"),
    path("<int:pk>/", views.conversation_detail, name="detail"),
    path("<int:pk>/messages/", views.conversation_messages, name="messages"),
    path("<int:pk>/post/", views.conversation_post, name="post"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
