"""The demo protocols and story 1's stay: deterministic and idempotent."""

from __future__ import annotations

import pytest

from parcours.demo import DemoContext, load_all
from parcours.transitions.models import LiaisonProtocol, ScreeningTrigger, Stay

pytestmark = pytest.mark.django_db


def test_demo_plans_marie_s_stay_idempotently() -> None:
    load_all(DemoContext(professionals=5, services=5, log=lambda _m: None))
    load_all(DemoContext(professionals=5, services=5, log=lambda _m: None))
    assert LiaisonProtocol.objects.filter(ward__code="chu-bxl-ger", active=True).count() == 1
    assert LiaisonProtocol.objects.filter(hospital__code="chu-lille", ward=None).count() == 1
    assert ScreeningTrigger.objects.filter(hospital__code="chu-bxl").count() == 5
    stay = Stay.objects.get(patient__family_name="Peeters", status="open")
    assert stay.screenings.count() == 3
    assert stay.referent is not None and stay.referent.username == "demo-referent"
    codes = set(stay.plan_items.values_list("code", flat=True))
    assert {"geriatric-assessment", "home-help-referral", "day-2-call", "icope-step2"} <= codes
    assert stay.is_weekend_or_friday_afternoon_discharge
    # The discharged French stay got its follow-up.
    henri = Stay.objects.get(patient__family_name="Martin", status="discharged")
    assert henri.plan_items.filter(code="day-30-check").exists()
