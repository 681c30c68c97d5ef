"""Opening hours across a weekend, public holidays of each country, and closures."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from parcours.directory.models import Closure

BRUSSELS = ZoneInfo("Europe/Brussels")
PARIS = ZoneInfo("Europe/Paris")


def test_a_weekday_service_is_closed_over_the_weekend(directory) -> None:  # type: ignore[no-untyped-def]
    service = directory.arc_en_ciel  # Monday to Friday, 08:00-18:00
    friday = datetime(2026, 11, 27, 17, 59, tzinfo=BRUSSELS)
    assert service.is_open_at(friday)
    assert not service.is_open_at(datetime(2026, 11, 27, 18, 0, tzinfo=BRUSSELS))
    assert not service.open_on(date(2026, 11, 28))
    assert not service.open_on(date(2026, 11, 29))
    assert service.next_opening(friday.replace(hour=19)) == datetime(
        2026, 11, 30, 8, 0, tzinfo=BRUSSELS
    )


def test_saturday_morning_only(directory) -> None:  # type: ignore[no-untyped-def]
    service = directory.ixelles_nursing
    assert service.is_open_at(datetime(2026, 11, 28, 11, 59, tzinfo=BRUSSELS))
    assert not service.is_open_at(datetime(2026, 11, 28, 12, 0, tzinfo=BRUSSELS))
    assert not service.open_on(date(2026, 11, 29))


def test_public_holidays_follow_the_service_country(directory) -> None:  # type: ignore[no-untyped-def]
    weekday_service = directory.ixelles_nursing  # Belgian, no holiday hours
    assert not weekday_service.open_on(date(2026, 7, 21))  # Belgian national day, Tuesday
    assert weekday_service.open_on(date(2026, 7, 14))  # French national day: open in Brussels
    assert not weekday_service.open_on(date(2026, 4, 6))  # Easter Monday
    seven_days = directory.zuid  # has public-holiday hours
    assert seven_days.is_open_at(datetime(2026, 12, 25, 9, 0, tzinfo=BRUSSELS))
    ssiad = directory.ssiad
    ssiad.opening_hours.filter(day=7).delete()
    assert not ssiad.open_on(date(2026, 7, 14))
    assert ssiad.open_on(date(2026, 7, 21))


def test_time_zone_is_the_service_one(directory) -> None:  # type: ignore[no-untyped-def]
    # 06:30 UTC is 07:30 in Paris in winter: the SSIAD (07:00-21:00) is open.
    moment = datetime(2026, 11, 25, 6, 30, tzinfo=ZoneInfo("UTC"))
    assert directory.ssiad.is_open_at(moment)
    assert directory.ssiad.is_open_at(moment.astimezone(PARIS))


def test_an_exceptional_closure_wins(directory) -> None:  # type: ignore[no-untyped-def]
    service = directory.zuid
    Closure.objects.create(
        service=service, starts_on=date(2026, 11, 28), ends_on=date(2026, 11, 29), reason={}
    )
    assert not service.is_open_at(datetime(2026, 11, 28, 10, 0, tzinfo=BRUSSELS))
    assert service.is_open_at(datetime(2026, 11, 30, 10, 0, tzinfo=BRUSSELS))
    assert service.next_opening(datetime(2026, 11, 28, 10, 0, tzinfo=BRUSSELS)) == datetime(
        2026, 11, 30, 7, 0, tzinfo=BRUSSELS
    )
