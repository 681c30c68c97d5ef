"""The Django admin lists sources and messages; messages are read-only there."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from parcours.accounts.models import User
from parcours.interop.hl7v2.ingest import ingest
from parcours.interop.models import Hl7Source, InboundMessage
from tests.interop.support import fixture_bytes

pytestmark = pytest.mark.django_db


def test_superuser_sees_sources_and_messages_read_only(client: Client, chu_bxl: Hl7Source) -> None:
    ingest(fixture_bytes("a01_admit.hl7"))
    admin = User.objects.create_superuser("root", "root@example.invalid", "x" * 16)
    from django.utils import timezone

    from parcours.accounts.models import TOTPDevice

    TOTPDevice.objects.create(user=admin, secret="JBSWY3DPEHPK3PXP", confirmed_at=timezone.now())
    client.force_login(admin)
    assert client.get(reverse("admin:interop_hl7source_changelist")).status_code == 200
    listing = client.get(reverse("admin:interop_inboundmessage_changelist"))
    assert listing.status_code == 200 and "MSG20250312-0001" in listing.content.decode()
    message = InboundMessage.objects.get()
    detail = client.get(reverse("admin:interop_inboundmessage_change", args=[message.pk]))
    assert detail.status_code == 200
    assert "PEETERS" not in detail.content.decode()
    assert (
        client.post(reverse("admin:interop_inboundmessage_delete", args=[message.pk])).status_code
        == 403
    )
