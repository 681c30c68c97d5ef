"""The error-queue page: who sees it, what it shows, filters, and the replay button."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from parcours.accounts.models import TOTPDevice
from parcours.interop.hl7v2.ingest import ingest
from parcours.interop.models import Hl7Source, InboundMessage
from tests.factories import OrganisationFactory, UserFactory
from tests.interop.support import fixture_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("transport_only")]

URL = reverse("interop:hl7_errors")


def with_two_factor(user):  # type: ignore[no-untyped-def]
    TOTPDevice.objects.create(user=user, secret="JBSWY3DPEHPK3PXP", confirmed_at=timezone.now())
    return user


@pytest.fixture
def queue(chu_bxl: Hl7Source) -> dict[str, InboundMessage]:
    chu_bxl.discharge_dispositions = {}
    chu_bxl.save()
    for name in (
        "a01_admit.hl7",
        "a03_discharge.hl7",
        "reject_unknown_facility.hl7",
        "reject_unsupported_event.hl7",
    ):
        ingest(fixture_bytes(name))
    ingest(fixture_bytes("a01_admit.hl7").replace(b"GER^204^B", b"GER^205^A"))
    return {m.control_id + ":" + m.status: m for m in InboundMessage.objects.all()}


@pytest.fixture
def platform_admin(helene):  # type: ignore[no-untyped-def]
    return with_two_factor(helene)


@pytest.fixture
def hospital_admin(chu_bxl: Hl7Source):  # type: ignore[no-untyped-def]
    """Anne Willems, organisation administrator of CHU Bruxelles."""
    return with_two_factor(
        UserFactory(username="anne", role="organisation_admin", organisation=chu_bxl.organisation)
    )


def test_platform_admin_sees_every_refused_message(
    client: Client,
    platform_admin,
    queue: dict[str, InboundMessage],  # type: ignore[no-untyped-def]
) -> None:
    client.force_login(platform_admin)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    shown = {m.control_id + ":" + m.status for m in page.context["page"]}
    assert shown == {
        "MSG20250320-0042:rejected",
        "MSG-UNK-0001:rejected",
        "MSG-A31-0001:rejected",
        "MSG20250312-0001:conflict",
    }
    html = page.content.decode()
    assert "Discharge disposition “06” (PV1-36) has no mapping for this source" in html
    assert "PEETERS" not in html, "platform admins manage the platform, not patients"
    assert "only the administrators of the sending hospital can read it" in html
    assert html.count('action="/interop/hl7/messages/') == 3  # no replay for the conflict


def test_reasons_are_shown_in_the_user_language(
    client: Client,
    platform_admin,
    queue: dict[str, InboundMessage],  # type: ignore[no-untyped-def]
) -> None:
    platform_admin.language = "nl"
    platform_admin.save()
    client.force_login(platform_admin)
    html = client.get(URL).content.decode()
    assert "Trigger event “A31” wordt niet ondersteund." in html


def test_filters_by_source_and_status(
    client: Client,
    platform_admin,
    queue: dict[str, InboundMessage],
    chu_bxl: Hl7Source,  # type: ignore[no-untyped-def]
) -> None:
    client.force_login(platform_admin)
    page = client.get(URL, {"source": chu_bxl.pk, "status": "conflict"})
    assert [m.status for m in page.context["page"]] == ["conflict"]
    page = client.get(URL, {"source": chu_bxl.pk})
    assert {m.sending_facility for m in page.context["page"]} == {"CHU_BXL"}


def test_organisation_admin_sees_only_their_sources(
    client: Client,
    hospital_admin,
    queue: dict[str, InboundMessage],  # type: ignore[no-untyped-def]
) -> None:
    client.force_login(hospital_admin)
    page = client.get(URL)
    assert page.status_code == 200
    assert "MSG-UNK-0001:rejected" not in {
        m.control_id + ":" + m.status for m in page.context["page"]
    }
    assert "MSH|^~\\&amp;|HIS_CHU|CHU_BXL|" in page.content.decode()  # raw message, escaped
    unknown = queue["MSG-UNK-0001:rejected"]
    refused = client.post(reverse("interop:hl7_replay", args=[unknown.pk]))
    assert refused.status_code == 404


def test_care_roles_are_refused(client: Client, claire, queue) -> None:  # type: ignore[no-untyped-def]
    client.force_login(claire)
    assert client.get(URL).status_code == 403
    message = queue["MSG20250320-0042:rejected"]
    assert client.post(reverse("interop:hl7_replay", args=[message.pk])).status_code == 403


def test_another_hospital_admin_cannot_replay(client: Client, queue) -> None:  # type: ignore[no-untyped-def]
    other = OrganisationFactory(code="hopital-x", type="hospital")
    client.force_login(
        with_two_factor(UserFactory(username="bob", role="organisation_admin", organisation=other))
    )
    message = queue["MSG20250320-0042:rejected"]
    assert client.post(reverse("interop:hl7_replay", args=[message.pk])).status_code == 404


def test_fix_the_mapping_then_replay(
    client: Client,
    hospital_admin,
    queue: dict[str, InboundMessage],
    chu_bxl: Hl7Source,  # type: ignore[no-untyped-def]
) -> None:
    message = queue["MSG20250320-0042:rejected"]
    client.force_login(hospital_admin)
    replay = reverse("interop:hl7_replay", args=[message.pk])
    assert client.get(replay).status_code == 405

    response = client.post(replay, {"next": URL + "?status=rejected"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response["Location"] == URL + "?status=rejected"
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("rejected", 2)

    chu_bxl.discharge_dispositions = {"06": "home"}
    chu_bxl.save()
    page = client.post(replay, follow=True)
    assert "MSG20250320-0042" in page.content.decode()  # the success message names it
    message.refresh_from_db()
    assert (message.status, message.ack_code, message.attempts) == ("received", "AA", 3)
    assert message not in page.context["page"]


def test_replay_needs_the_csrf_token(hospital_admin, queue) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(hospital_admin)
    message = queue["MSG20250320-0042:rejected"]
    assert client.post(reverse("interop:hl7_replay", args=[message.pk])).status_code == 403


def test_admins_get_the_navigation_item(client: Client, platform_admin, claire) -> None:  # type: ignore[no-untyped-def]
    from parcours.accounts.navigation import items_for

    assert "interop:hl7_errors" in {i.url_name for i in items_for(platform_admin.roles)}
    assert "interop:hl7_errors" not in {i.url_name for i in items_for(claire.roles)}
