from __future__ import annotations

import pytest

from parcours.demo import DemoContext, load_all
from parcours.patients.models import Exclusion, Patient

pytestmark = pytest.mark.django_db


def test_demo_patients_are_deterministic_and_idempotent() -> None:
    load_all(DemoContext(professionals=5, services=5, log=lambda _m: None))
    first = sorted(Patient.objects.values_list("given_name", "birth_date"))
    load_all(DemoContext(professionals=5, services=5, log=lambda _m: None))
    assert sorted(Patient.objects.values_list("given_name", "birth_date")) == first
    assert [name for name, _born in first] == ["Alex", "Henri", "Marie", "Nadia", "Samir"]
    assert Patient.objects.get(given_name="Samir").is_provisional
    henri = Patient.objects.get(given_name="Henri")
    assert henri.circle.get(role="legal_representative").legal_scope == "property"
    assert Exclusion.objects.filter(patient__given_name="Alex").count() == 1
