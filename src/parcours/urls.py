from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from parcours import views
from parcours.accounts import views as account_views
from parcours.api import api

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("about/", views.about, name="about"),
    path("accounts/", include("parcours.accounts.urls")),
    path("directory/", include("parcours.directory.urls")),
    path("patients/", include("parcours.patients.urls")),
    path("coordination/", include("parcours.coordination.urls")),
    path("followup/", include("parcours.transitions.aftercare_urls")),
    path("stays/", include("parcours.transitions.urls")),
    path("worklist/", include("parcours.transitions.worklist_urls")),
    path("notifications/", include("parcours.messaging.urls")),
    path("conversations/", include("parcours.messaging.conversation_urls")),
    path("transmissions/", include("parcours.messaging.transmission_urls")),
    path("api/", api.urls),
    path("interop/", include("parcours.interop.urls")),
    path("fhir/", include("parcours.interop.fhir.urls")),
    path("admin/", admin.site.urls),
]
