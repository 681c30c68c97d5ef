"""The screening JSON API over HTTP: session and Bearer clients, FR and NL messages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from parcours.accounts.actions import api_token_create
from parcours.transitions.screening import INSTRUMENTS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("transitions_catalogue")]

LACE_EXAMPLE = {
    "length_of_stay_days": 8,
    "emergent_admission": True,
    "charlson_index": 2,
    "ed_visits_6m": 1,
}


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(client: Client, code: str, answers: Any, **headers: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/screenings/{code}/score", answers, content_type="application/json", **headers
    )


@pytest.fixture
def nurse(client: Client, claire) -> Client:  # type: ignore[no-untyped-def]
    client.force_login(claire)
    return client


def test_list_needs_authentication(client: Client) -> None:
    assert client.get("/api/screenings/").status_code == 401
    assert post(client, "isar", {}).status_code == 401


def test_list_describes_every_instrument(nurse: Client) -> None:
    response = nurse.get("/api/screenings/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = {item["code"]: item for item in response.json()}
    assert list(body) == list(INSTRUMENTS)
    lace = body["lace"]
    assert lace["version"] == "1.0"
    assert lace["citation"].startswith("van Walraven C")
    assert lace["validated"] is True
    assert body["epices"]["validated"] is False
    assert lace["thresholds"] == {"moderate": 5, "high": 10}
    assert (lace["score_min"], lace["score_max"]) == (0, 19)
    assert [band["code"] for band in lace["bands"]] == ["low", "moderate", "high"]
    los = lace["answer_keys"][0]
    assert (los["key"], los["type"], los["minimum"], los["unit"]) == (
        "length_of_stay_days",
        "int",
        0,
        "d",
    )
    chair = next(a for a in body["icope_step1"]["answer_keys"] if a["key"] == "chair_rise_seconds")
    assert (chair["type"], chair["nullable"]) == ("number", True)
    level = body["cfs"]["answer_keys"][0]
    assert [choice["value"] for choice in level["choices"]] == list(range(1, 10))


@pytest.mark.parametrize(
    ("language", "label", "band"),
    [
        ("fr", "En général, avez-vous de sérieux problèmes de mémoire ?", "À risque"),
        ("nl", "Hebt u over het algemeen ernstige geheugenproblemen?", "Verhoogd risico"),
        ("en", "In general, do you have serious problems with your memory?", "At risk"),
    ],
)
def test_list_speaks_the_request_language(
    nurse: Client, language: str, label: str, band: str
) -> None:
    response = nurse.get("/api/screenings/", HTTP_ACCEPT_LANGUAGE=language)
    isar = response.json()[0]
    memory = next(a for a in isar["answer_keys"] if a["key"] == "memory_problems")
    assert memory["label"] == label
    assert isar["bands"][1]["label"] == band


def test_score_with_a_session(nurse: Client) -> None:
    answers = dict.fromkeys(INSTRUMENTS["isar"].keys, False) | {
        "help_before": True,
        "polypharmacy": True,
    }
    response = post(nurse, "isar", answers, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    body = response.json()
    assert (body["score"], body["band"], body["positive"]) == (2, "at_risk", True)
    assert (body["band_label"], body["validated"], body["details"]) == ("À risque", True, {})


def test_score_with_a_bearer_token(client: Client, luc) -> None:  # type: ignore[no-untyped-def]
    issued = api_token_create(user=luc, name="GP software")
    response = post(client, "lace", LACE_EXAMPLE, **bearer(issued.raw))
    assert response.status_code == 200
    body = response.json()
    assert (body["score"], body["band"], body["positive"]) == (11, "high", True)
    assert body["details"] == {
        "length_of_stay": 5,
        "acuity": 3,
        "comorbidity": 2,
        "emergency_visits": 1,
    }
    assert body["thresholds"] == {"moderate": 5, "high": 10}


def test_epices_score_is_a_float_with_two_decimals(nurse: Client) -> None:
    answers = {f"q{n}": n in (2, 5, 9, 10) for n in range(1, 12)}
    body = post(nurse, "epices", answers).json()
    assert (body["score"], body["band"], body["validated"]) == (59.17, "precarious", False)


def test_icope_details_per_domain(nurse: Client) -> None:
    answers = {
        "recall_all_three_words": True,
        "orientation_correct": True,
        "chair_rise_seconds": None,
        "weight_loss_3kg_3m": False,
        "appetite_loss": False,
        "vision_problem": False,
        "whisper_test_failed": True,
        "feeling_down": False,
        "little_interest": False,
    }
    body = post(nurse, "icope_step1", answers).json()
    assert (body["score"], body["band"]) == (2, "refer_step2")
    assert [domain for domain, positive in body["details"].items() if positive] == [
        "mobility",
        "hearing",
    ]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("fr", "Aucun outil de dépistage n’a le code « brass »."),
        ("nl", "Er bestaat geen screeningsinstrument met de code ‘brass’."),
    ],
)
def test_unknown_instrument_is_404_in_the_request_language(
    nurse: Client, language: str, message: str
) -> None:
    response = post(nurse, "brass", {"age": 80}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    assert response.json() == {"detail": message}


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "fr",
            "Les réponses au questionnaire lace sont incomplètes ou non valides ; vérifiez : "
            "charlson_index, ed_visits_6m, emergent_admission, age.",
        ),
        (
            "nl",
            "De antwoorden op lace zijn onvolledig of ongeldig; controleer: "
            "charlson_index, ed_visits_6m, emergent_admission, age.",
        ),
    ],
)
def test_incomplete_answers_are_422_naming_the_keys(
    nurse: Client, language: str, message: str
) -> None:
    answers = {"length_of_stay_days": 3, "emergent_admission": "yes", "age": 80}
    response = post(nurse, "lace", answers, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == message
    assert body["missing"] == ["charlson_index", "ed_visits_6m"]
    assert body["invalid"] == ["emergent_admission"]
    assert body["unknown"] == ["age"]
    assert body["keys"] == ["charlson_index", "ed_visits_6m", "emergent_admission", "age"]


def test_incomplete_answers_with_a_token_follow_the_users_language(client: Client, luc) -> None:  # type: ignore[no-untyped-def]
    luc.language = "nl"
    luc.save()
    issued = api_token_create(user=luc)
    response = post(client, "cfs", {"level": 10}, HTTP_ACCEPT_LANGUAGE="fr", **bearer(issued.raw))
    assert response.status_code == 422
    assert response.json()["detail"].startswith("De antwoorden op cfs zijn onvolledig")
    assert response.json()["invalid"] == ["level"]


@pytest.mark.parametrize("value", [1, "true", None])
def test_bool_answers_are_strict_over_http(nurse: Client, value: object) -> None:
    answers = dict.fromkeys(INSTRUMENTS["psychosocial"].keys, False) | {"lives_alone": value}
    response = post(nurse, "psychosocial", answers)
    assert response.status_code == 422
    assert response.json()["invalid"] == ["lives_alone"]


@pytest.mark.parametrize(
    ("body", "language", "message"),
    [
        ("[1, 2]", "fr", "Les réponses doivent être envoyées sous forme d’objet JSON."),
        ("not json", "nl", "De antwoorden moeten als JSON-object worden verstuurd."),
        ('"level"', "fr", "Les réponses doivent être envoyées sous forme d’objet JSON."),
    ],
)
def test_answers_must_be_a_json_object(
    nurse: Client, body: str, language: str, message: str
) -> None:
    response = nurse.post(
        "/api/screenings/cfs/score",
        body,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 422
    assert response.json()["detail"] == message


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("fr", "Les outils de dépistage sont réservés aux professionnels de soins."),
        ("nl", "De screeningsinstrumenten zijn voorbehouden aan zorgverleners."),
    ],
)
def test_users_without_a_care_role_are_refused(
    client: Client, make_persona, language: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    outsider = make_persona("nobody", None)
    client.force_login(outsider)
    response = client.get("/api/screenings/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 403
    assert response.json() == {"detail": message}
    assert post(client, "cfs", {"level": 3}).status_code == 403


def test_session_scoring_needs_csrf(claire) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(claire)
    assert post(client, "cfs", {"level": 3}).status_code == 403


def test_openapi_documents_the_endpoints(nurse: Client) -> None:
    paths = nurse.get("/api/openapi.json").json()["paths"]
    assert "get" in paths["/api/screenings/"]
    operation = paths["/api/screenings/{code}/score"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["type"] == "object"
    assert {"200", "404", "422"} <= set(operation["responses"])
