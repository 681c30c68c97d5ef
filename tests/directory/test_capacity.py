"""Capacity: staff update it in two clicks; others cannot; old statements show as stale."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from parcours.directory.actions import CapacityUpdateRefused, service_capacity_update
from parcours.directory.models import CapacityUpdate


@pytest.fixture
def fatima(make_persona, directory):  # type: ignore[no-untyped-def]
    """Fatima El Amrani, home nurse at the Zuid home-nursing service."""
    return make_persona(
        "fatima",
        "home_nurse",
        directory.zuid.organisation,
        first_name="Fatima",
        last_name="El Amrani",
    )


def test_capacity_is_stale_after_the_configured_days(directory) -> None:  # type: ignore[no-untyped-def]
    service = directory.zuid
    service.capacity_updated_at = timezone.now() - timedelta(days=10)
    with override_settings(CAPACITY_STALE_DAYS=14):
        assert not service.capacity_is_stale
    with override_settings(CAPACITY_STALE_DAYS=7):
        assert service.capacity_is_stale
    service.capacity_updated_at = None
    assert service.capacity_is_stale


def test_staff_update_capacity_in_two_clicks(directory, fatima, logged_in) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(fatima)
    service = directory.zuid
    page = client.get(reverse("directory:service", args=[service.id]))
    assert page.status_code == 200
    assert b"<summary" in page.content  # first click opens the choices
    response = client.post(
        reverse("directory:capacity", args=[service.id]),
        {"status": "waiting_list", "waiting_list_length": "7", "typical_wait_days": "5"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert b'id="capacity"' in response.content
    service.refresh_from_db()
    assert service.capacity_status == "waiting_list"
    assert service.waiting_list_length == 7 and service.typical_wait_days == 5
    assert service.capacity_updated_by == fatima
    assert not service.capacity_is_stale
    assert CapacityUpdate.objects.filter(service=service, author=fatima).count() == 1


def test_other_people_cannot_update_capacity(directory, claire, logged_in) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(claire).post(
        reverse("directory:capacity", args=[directory.zuid.id]), {"status": "full"}
    )
    assert response.status_code == 403
    with pytest.raises(CapacityUpdateRefused):
        service_capacity_update(service=directory.zuid, status="full", author=claire)
    directory.zuid.refresh_from_db()
    assert directory.zuid.capacity_status == "accepting"


def test_stale_capacity_is_shown_on_the_page(directory, claire, logged_in) -> None:  # type: ignore[no-untyped-def]
    directory.zuid.capacity_updated_at = timezone.now() - timedelta(days=60)
    directory.zuid.save()
    page = logged_in(claire).get(reverse("directory:service", args=[directory.zuid.id]))
    assert b'data-stale="1"' in page.content
    fresh = logged_in(claire).get(reverse("directory:service", args=[directory.ssiad.id]))
    assert b'data-stale="1"' not in fresh.content
