from __future__ import annotations

import pytest

from parcours.coordination.models import Task
from parcours.demo import DemoContext, load_all
from parcours.patients.models import CircleMember

pytestmark = pytest.mark.django_db


def test_demo_referrals_tell_story_5_and_are_idempotent() -> None:
    load_all(DemoContext(professionals=5, services=5, log=lambda _m: None))
    nadia = {
        t.owner_service.organisation.code: t.status
        for t in Task.objects.filter(patient__given_name="Nadia").select_related(
            "owner_service__organisation"
        )
    }
    assert nadia == {
        "postcure-les-tilleuls": "accepted",
        "postcure-horizon": "rejected",
        "postcure-la-source": "cancelled",
    }
    assert CircleMember.objects.filter(
        patient__given_name="Nadia", service__code="postcure-les-tilleuls-sejour"
    ).exists()
    marie = dict(Task.objects.filter(patient__given_name="Marie").values_list("need", "status"))
    assert sorted(marie.values()) == ["accepted", "requested"]
    count = Task.objects.count()
    load_all(DemoContext(professionals=5, services=5, log=lambda _m: None))
    assert Task.objects.count() == count
