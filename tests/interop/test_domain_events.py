"""ADT events applied to patients and stays, through a real MLLP socket (R7 included)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.utils import translation

from parcours.audit.models import AuditEvent
from parcours.directory.models import Organisation, Professional
from parcours.interop.actions import inbound_message_replay
from parcours.interop.hl7v2.reasons import reason_text
from parcours.interop.models import Hl7Source, InboundMessage, InboundStatus
from parcours.messaging.models import Notification
from parcours.patients.models import CircleMember, Patient, PatientStatus
from parcours.transitions.models import Stay, StayStatus
from tests.factories import OrganisationFactory, UserFactory
from tests.interop.support import RunningServer, ack_code, fixture_text, mllp_server, send
from tests.patients.conftest import professional_for

pytestmark = pytest.mark.django_db(transaction=True)

VISIT = "V20250312-0007"
NISS = "48021408235^^^NISS&2.16.840.1.113883.3.6777.5.1&ISO^NNBEL"
PID3 = "000123456^^^CHU_BXL&1.3.6.1.4.1.99999.1&ISO^PI~" + NISS
_counter = iter(range(1, 10_000))


@pytest.fixture
def server(chu_bxl: Hl7Source) -> Iterator[RunningServer]:
    with mllp_server() as running:
        yield running


def message(name: str, *, replace: dict[str, str] | None = None) -> str:
    """A sample message with a fresh MSH-10, and text replacements."""
    text = fixture_text(name)
    for old, new in (replace or {}).items():
        text = text.replace(old, new)
    segments = text.split("\r")
    fields = segments[0].split("|")
    fields[9] = f"T-{next(_counter)}"
    segments[0] = "|".join(fields)
    return "\r".join(segments)


def deliver(server: RunningServer, name: str, **kwargs: dict[str, str]) -> tuple[str, str]:
    ack = send(server.port, message(name, **kwargs))
    code = ack_code(ack)
    err = str(ack.segment("ERR")(8)) if code != "AA" else ""
    return code, err


def reason_of_last() -> str:
    return InboundMessage.objects.order_by("-pk").first().error_code  # type: ignore[union-attr]


def stay() -> Stay:
    return Stay.objects.get(source="CHU_BXL", external_id=VISIT)


def test_a01_creates_the_patient_and_opens_the_stay(server: RunningServer) -> None:
    ward = Organisation.objects.get(code="chu-bxl-ger")

    assert deliver(server, "a01_admit.hl7") == ("AA", "")

    patient = Patient.objects.get()
    assert (patient.given_name, patient.family_name) == ("Marie", "PEETERS")
    assert str(patient.birth_date) == "1948-02-14"
    assert patient.administrative_sex == "female"
    assert patient.postcode == "1000" and patient.address_line == "Rue de la Loi 16"
    assert not patient.is_provisional
    assert {(i.system, i.value) for i in patient.identifiers.all()} == {
        ("local", "000123456"),
        ("be-niss", "48021408235"),
    }
    opened = stay()
    assert opened.status == StayStatus.OPEN and opened.ward == ward
    assert opened.patient == patient
    assert InboundMessage.objects.get().status == InboundStatus.APPLIED
    actors = set(AuditEvent.objects.values_list("username", "organisation"))
    assert actors == {("hl7:CHU_BXL", "chu-bxl")}


def test_unknown_ward_code_is_refused_and_nothing_is_applied(server: RunningServer) -> None:
    code, err = deliver(server, "error_a01_unknown_ward.hl7")

    assert code == "AE" and "NEURO" in err and "chu-bxl-neuro" in err
    assert reason_of_last() == "unknown_ward"
    assert InboundMessage.objects.get().error_location == "PV1^1^3"
    assert not Stay.objects.exists() and not Patient.objects.exists()  # savepoint rolled back

    ward = OrganisationFactory(
        code="chu-bxl-neuro", type="ward", parent=Hl7Source.objects.get().organisation
    )
    assert inbound_message_replay(message=InboundMessage.objects.get()).status == "applied"
    assert Stay.objects.get().ward == ward


def test_full_story_transfer_discharge(server: RunningServer) -> None:
    car = Organisation.objects.get(code="chu-bxl-car")
    deliver(server, "a01_admit.hl7")

    assert deliver(server, "a02_transfer.hl7")[0] == "AA"
    assert stay().ward == car
    assert deliver(server, "a12_cancel_transfer.hl7")[0] == "AA"  # back to PV1-3 (GER)
    assert stay().ward.code == "chu-bxl-ger"  # type: ignore[union-attr]
    assert deliver(server, "a03_discharge.hl7")[0] == "AA"
    assert stay().status == StayStatus.DISCHARGED and stay().discharged_at is not None
    assert deliver(server, "a13_cancel_discharge.hl7")[0] == "AA"
    assert stay().status == StayStatus.OPEN and stay().discharged_at is None
    assert deliver(server, "a11_cancel_admit.hl7")[0] == "AA"
    assert stay().status == StayStatus.CANCELLED
    assert Stay.objects.count() == 1 and Patient.objects.count() == 1
    kinds = list(stay().events.order_by("pk").values_list("kind", flat=True))
    assert kinds == [
        "admitted", "transferred", "transferred", "discharged", "reopened", "cancelled"
    ]  # fmt: skip


def test_a12_without_pv1_3_goes_back_to_the_ward_the_transfer_left(server: RunningServer) -> None:
    deliver(server, "a01_admit.hl7")
    code, err = deliver(server, "a12_cancel_transfer_without_pv1_3.hl7")
    assert code == "AE" and "no transfer to cancel" in err
    assert reason_of_last() == "no_transfer_to_cancel"

    deliver(server, "a02_transfer.hl7")
    assert deliver(server, "a12_cancel_transfer_without_pv1_3.hl7")[0] == "AA"
    assert stay().ward.code == "chu-bxl-ger"  # type: ignore[union-attr]


def test_two_a12_in_a_row_undo_the_last_two_transfers(server: RunningServer) -> None:
    deliver(server, "a01_admit.hl7")  # GER
    deliver(server, "a02_transfer.hl7")  # GER -> CAR
    deliver(server, "a02_transfer.hl7", replace={"CAR^112": "ORT^301", "GER^204": "CAR^112"})
    assert stay().ward.code == "chu-bxl-ort"  # type: ignore[union-attr]
    assert deliver(server, "a12_cancel_transfer_without_pv1_3.hl7")[0] == "AA"
    assert stay().ward.code == "chu-bxl-car"  # type: ignore[union-attr]
    # The second A12 cancels the first transfer, not the first A12's own move.
    assert deliver(server, "a12_cancel_transfer_without_pv1_3.hl7")[0] == "AA"
    assert stay().ward.code == "chu-bxl-ger"  # type: ignore[union-attr]
    assert deliver(server, "a12_cancel_transfer_without_pv1_3.hl7")[0] == "AE"
    assert reason_of_last() == "no_transfer_to_cancel"
    assert stay().ward.code == "chu-bxl-ger"  # type: ignore[union-attr]


def test_a04_registers_an_emergency_visit(server: RunningServer) -> None:
    assert deliver(server, "a04_register.hl7")[0] == "AA"
    registered = Stay.objects.get()
    assert registered.status == StayStatus.OPEN
    assert registered.ward.code == "chu-bxl-urg"  # type: ignore[union-attr]


def test_a05_plans_the_stay_and_a01_begins_it(server: RunningServer) -> None:
    assert deliver(server, "a05_preadmit_planned.hl7") == ("AA", "")

    planned = Stay.objects.get(external_id="V20250320-0200")
    assert planned.status == StayStatus.PLANNED
    assert planned.ward.code == "chu-bxl-ort"  # type: ignore[union-attr]
    assert planned.admitted_at == datetime(2025, 3, 20, 7, 0, tzinfo=UTC)  # PV2-8, +01:00
    assert planned.expected_discharge_at == datetime(2025, 3, 27, 11, 0, tzinfo=UTC)  # PV2-9
    # 99999999999 is nobody's RIZIV number: the name is kept as sent.
    assert planned.admitting_physician is None
    assert planned.admitting_physician_name == "Dr Marc LEROY"
    assert not Notification.objects.exists()  # a plan is not an admission yet
    code, _ = deliver(server, "a05_preadmit_planned.hl7")  # same visit number again
    assert code == "AE" and reason_of_last() == "stay_exists"

    assert deliver(server, "a01_start_planned.hl7") == ("AA", "")

    started = Stay.objects.get()
    assert started.pk == planned.pk and started.status == StayStatus.OPEN
    assert started.admitted_at == datetime(2025, 3, 20, 7, 10, tzinfo=UTC)  # PV1-44
    assert started.expected_discharge_at == datetime(2025, 3, 28, 11, 0, tzinfo=UTC)
    kinds = list(started.events.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["planned", "admitted", "expected_discharge"]
    assert deliver(server, "a01_start_planned.hl7")[0] == "AE"  # already begun


def test_a11_cancels_a_planned_stay(server: RunningServer) -> None:
    deliver(server, "a05_preadmit_planned.hl7")
    cancel = {"ADT^A05^ADT_A05": "ADT^A11^ADT_A09", "EVN|A05": "EVN|A11"}
    assert deliver(server, "a05_preadmit_planned.hl7", replace=cancel)[0] == "AA"
    assert Stay.objects.get().status == StayStatus.CANCELLED


def test_a01_matches_the_admitting_physician_and_sets_the_expected_discharge(
    server: RunningServer,
) -> None:
    doctor = Professional.objects.create(
        given_name="Sophie", family_name="Lambert", profession="specialist", riziv="11234567004"
    )

    assert deliver(server, "a01_admit_physician_pv2.hl7") == ("AA", "")

    admitted = Stay.objects.get(external_id="V20250401-0100")
    assert admitted.admitting_physician == doctor and admitted.admitting_physician_name == ""
    assert admitted.expected_discharge_at == datetime(2025, 4, 8, 10, 0, tzinfo=UTC)  # +02:00


def test_a01_keeps_the_admitting_physician_name_when_unknown(server: RunningServer) -> None:
    assert deliver(server, "a01_admit.hl7")[0] == "AA"
    assert stay().admitting_physician is None
    assert stay().admitting_physician_name == "Dr Sophie LAMBERT"


def test_a08_applies_the_ward_and_the_expected_discharge(server: RunningServer) -> None:
    deliver(server, "a01_admit.hl7")

    assert deliver(server, "a08_update_visit.hl7") == ("AA", "")

    updated = stay()
    assert updated.ward.code == "chu-bxl-car"  # type: ignore[union-attr]
    assert updated.expected_discharge_at == datetime(2025, 3, 19, 11, 0, tzinfo=UTC)
    kinds = list(updated.events.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["admitted", "transferred", "expected_discharge"]
    assert deliver(server, "a08_update_visit.hl7")[0] == "AA"  # same content: no new event
    assert updated.events.count() == 3


def test_a08_with_an_unknown_ward_is_refused(server: RunningServer) -> None:
    deliver(server, "a01_admit.hl7")
    code, err = deliver(server, "a08_update_visit.hl7", replace={"CAR^112": "XYZ^112"})
    assert code == "AE" and "XYZ" in err
    assert stay().ward.code == "chu-bxl-ger"  # type: ignore[union-attr]
    assert stay().expected_discharge_at is None


def test_a03_stores_the_disposition_and_its_destination(server: RunningServer) -> None:
    source = Hl7Source.objects.get()
    source.discharge_dispositions = {**source.discharge_dispositions, "03": "nursing_home"}
    source.save()
    deliver(server, "a01_admit.hl7")

    assert deliver(server, "a03_discharge_nursing_home.hl7") == ("AA", "")

    closed = stay()
    assert closed.status == StayStatus.DISCHARGED
    assert (closed.discharge_disposition, closed.destination) == ("03", "nursing_home")
    assert closed.discharged_at == datetime(2025, 3, 20, 14, 0, tzinfo=UTC)  # PV1-45


def test_a03_maps_a_fhir_alias_in_an_older_map(server: RunningServer) -> None:
    source = Hl7Source.objects.get()
    source.discharge_dispositions = {"06": "home"}
    source.save()
    deliver(server, "a01_admit.hl7")
    assert deliver(server, "a03_discharge.hl7")[0] == "AA"
    assert (stay().discharge_disposition, stay().destination) == ("06", "home")


def test_a03_with_an_unmapped_disposition_is_refused(server: RunningServer) -> None:
    deliver(server, "a01_admit.hl7")

    code, err = deliver(server, "error_a03_unmapped_disposition.hl7")

    assert code == "AE" and "“99”" in err
    assert reason_of_last() == "unmapped_disposition"
    assert stay().status == StayStatus.OPEN and stay().destination == ""


def test_a08_updates_demographics_even_after_discharge(server: RunningServer) -> None:
    deliver(server, "a01_admit.hl7")
    deliver(server, "a03_discharge.hl7")

    assert deliver(server, "a08_update.hl7")[0] == "AA"  # the patient moved

    assert Patient.objects.get().address_line == "Chaussée de Wavre 300"
    assert stay().status == StayStatus.DISCHARGED


def test_out_of_order_discharge_before_admission_is_refused_then_replayable(
    server: RunningServer,
) -> None:
    code, err = deliver(server, "a03_discharge.hl7")
    assert code == "AE" and VISIT in err
    assert reason_of_last() == "no_such_stay"
    assert not Stay.objects.exists()

    assert deliver(server, "a01_admit.hl7")[0] == "AA"
    assert deliver(server, "a03_discharge.hl7")[0] == "AA"
    assert Stay.objects.get().status == StayStatus.DISCHARGED


def test_corrective_events_on_the_wrong_state_are_refused(server: RunningServer) -> None:
    deliver(server, "a01_admit.hl7")
    assert deliver(server, "a13_cancel_discharge.hl7")[0] == "AE"  # never discharged
    assert reason_of_last() == "stay_state"
    assert deliver(server, "a01_admit.hl7")[0] == "AE"  # same visit number, other MSH-10
    assert reason_of_last() == "stay_exists"
    deliver(server, "a03_discharge.hl7")
    assert deliver(server, "a03_discharge.hl7")[0] == "AE"  # discharged twice
    assert Stay.objects.count() == 1 and stay().status == StayStatus.DISCHARGED


def test_repeated_pid3_matches_the_same_patient(server: RunningServer) -> None:
    deliver(
        server,
        "a01_admit.hl7",
        replace={"~" + NISS: ""},
    )
    patient = Patient.objects.get()
    assert patient.is_provisional

    assert deliver(server, "edge_repeated_pid3.hl7")[0] == "AA"

    assert Patient.objects.get() == patient
    patient.refresh_from_db()
    assert not patient.is_provisional
    assert patient.identifiers.count() == 3  # local PI, NISS, MR-77


def test_invalid_niss_is_refused_with_a_clear_reason(server: RunningServer) -> None:
    code, err = deliver(server, "a01_admit.hl7", replace={"48021408235": "48021408236"})
    assert code == "AE" and "PID-3" in err
    assert reason_of_last() == "invalid_identifier"
    assert not Patient.objects.exists() and not Stay.objects.exists()


def test_a40_merges_keeping_everything(server: RunningServer) -> None:
    retired = "000999111^^^CHU_BXL&1.3.6.1.4.1.99999.1&ISO^PI"
    deliver(
        server,
        "a01_admit.hl7",
        replace={
            PID3: retired,
        },
    )
    old = Patient.objects.get()
    old_stay = Stay.objects.get()

    assert deliver(server, "a40_merge.hl7")[0] == "AA"  # the surviving PID-3 is created
    survivor = Patient.objects.exclude(pk=old.pk).get()

    old.refresh_from_db()
    old_stay.refresh_from_db()
    assert old.status == PatientStatus.MERGED and old.merged_into == survivor
    assert old_stay.patient == survivor and Stay.objects.filter(patient=survivor).count() == 1
    assert survivor.identifiers.filter(value="000999111").exists()
    # the retired identifier now leads to the survivor
    assert (
        deliver(
            server,
            "a03_discharge.hl7",
            replace={
                PID3: retired,
            },
        )[0]
        == "AA"
    )


def test_a40_with_an_unknown_retired_identifier_is_refused(server: RunningServer) -> None:
    deliver(server, "a01_admit.hl7")
    code, err = deliver(server, "a40_merge.hl7")
    assert code == "AE" and "000999111" in err
    assert Patient.objects.get().status == PatientStatus.ACTIVE


def test_admission_and_discharge_notify_the_circle(server: RunningServer) -> None:
    deliver(server, "edge_repeated_pid3.hl7")
    patient = Patient.objects.get()
    gp_user = UserFactory(username="gp-anne", first_name="Anne", last_name="Lemaire")
    gp = professional_for(gp_user, "gp", OrganisationFactory(code="mm-louise"))
    CircleMember.objects.create(patient=patient, role="gp", professional=gp, visibility="full")

    deliver(server, "a01_admit.hl7")
    deliver(server, "a03_discharge.hl7")

    kinds = list(
        Notification.objects.filter(recipient=gp_user).order_by("pk").values_list("kind", flat=True)
    )
    assert kinds == ["stay.admitted", "stay.discharged"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fr", "Aucun séjour"), ("nl", "Geen verblijf")],
)
def test_reasons_are_translated(language: str, expected: str) -> None:
    with translation.override(language):
        assert reason_text("no_such_stay", {"visit": VISIT}).startswith(expected)


def test_a01_beginning_a_planned_stay_sets_its_admitting_physician(server: RunningServer) -> None:
    doctor = Professional.objects.create(
        given_name="Sophie", family_name="Lambert", profession="specialist", riziv="11234567004"
    )
    deliver(server, "a05_preadmit_planned.hl7")
    visit = "V20250320-0200^^^CHU_BXL^VN"
    with_pv1_17 = {f"|||{visit}": f"|11234567004^LAMBERT^Sophie^^^Dr||{visit}"}
    assert deliver(server, "a01_start_planned.hl7", replace=with_pv1_17) == ("AA", "")
    started = Stay.objects.get()
    assert started.status == StayStatus.OPEN
    assert (started.admitting_physician, started.admitting_physician_name) == (doctor, "")


def test_a08_changes_the_admitting_physician(server: RunningServer) -> None:
    deliver(server, "a01_admit.hl7")
    other = {
        "11234567004^LAMBERT^Sophie^^^Dr||V20250312": "22222222222^DUPONT^Jean^^^Dr||V20250312"
    }
    assert deliver(server, "a08_update_visit.hl7", replace=other) == ("AA", "")
    assert stay().admitting_physician_name == "Dr Jean DUPONT"
    event = stay().events.get(kind="physician")
    assert event.detail == {"from": "Dr Sophie LAMBERT", "to": "Dr Jean DUPONT"}
    assert deliver(server, "a08_update_visit.hl7", replace=other)[0] == "AA"  # same: no event
    assert stay().events.filter(kind="physician").count() == 1


def test_a12_is_a_cancelled_transfer_and_a13_clears_the_destination(
    server: RunningServer,
) -> None:
    source = Hl7Source.objects.get()
    source.discharge_dispositions = {"06": "home"}
    source.save()
    deliver(server, "a01_admit.hl7")
    deliver(server, "a02_transfer.hl7")
    assert deliver(server, "a12_cancel_transfer.hl7")[0] == "AA"
    moved, back = stay().events.filter(kind="transferred").order_by("pk")
    assert not moved.detail.get("cancels_transfer")
    assert back.detail["cancels_transfer"] is True and back.detail["cancelled_event"] == moved.pk
    deliver(server, "a03_discharge.hl7")
    assert stay().destination == "home"
    assert deliver(server, "a13_cancel_discharge.hl7")[0] == "AA"
    assert (stay().status, stay().destination, stay().discharge_disposition) == ("open", "", "")
