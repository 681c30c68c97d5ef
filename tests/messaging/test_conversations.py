"""Conversations: open only to the circle of care (through access.py), direct conversations,
mentions, read state, the JSON API and the live event sent on commit."""

# The circle-of-care personas come from tests/patients/conftest.py: pytest injects the imported
# fixtures by name, which ruff reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import re
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import Client

from parcours.audit.models import AuditEvent
from parcours.live import user_group
from parcours.messaging.conversation_actions import (
    conversation_for_patient,
    conversation_message_post,
)
from parcours.messaging.conversations import conversation_access
from parcours.messaging.models import Conversation, ConversationMessage, Notification
from parcours.patients.access import Purpose, access_patient
from parcours.patients.actions import exclusion_add
from tests.patients.conftest import (  # noqa: F401 - fixtures
    gp_luc,
    home_nurse,
    manage,
    marie,
    marie_circle,
    nurse_claire,
    outsider,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def attachment_root(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.ATTACHMENT_ROOT = tmp_path / "attachments"
    return settings.ATTACHMENT_ROOT  # type: ignore[no-any-return]


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def open_patient_conversation(user: object, patient: object) -> Conversation:
    response = client_for(user).get(f"/conversations/patient/{patient.pk}/")  # type: ignore[attr-defined]
    assert response.status_code == 302
    return Conversation.objects.get(patient=patient)


def post(client: Client, conversation: Conversation, body: str, **extra: object) -> object:
    return client.post(
        f"/conversations/{conversation.pk}/post/", {"body": body, **extra}, HTTP_HX_REQUEST="true"
    )


def test_circle_members_read_and_post(marie_circle, nurse_claire, gp_luc, home_nurse) -> None:  # type: ignore[no-untyped-def]
    conversation = open_patient_conversation(gp_luc, marie_circle)
    luc = client_for(gp_luc)
    response = post(luc, conversation, "Retour à domicile jeudi ? Pansement à refaire.")
    assert response.status_code == 200
    assert "Retour à domicile jeudi" in response.content.decode()

    page = client_for(nurse_claire).get(f"/conversations/{conversation.pk}/")
    assert page.status_code == 200
    assert "Pansement à refaire" in page.content.decode()
    assert post(client_for(home_nurse), conversation, "Je passe jeudi matin.").status_code == 200

    bodies = list(conversation.messages.values_list("body", flat=True))
    assert bodies == ["Retour à domicile jeudi ? Pansement à refaire.", "Je passe jeudi matin."]
    # Everyone else in the circle is told, never the author.
    received = Notification.objects.filter(kind="message.received", patient_id=marie_circle.pk)
    assert sorted(received.values_list("recipient__username", flat=True)) == [
        "claire",
        "claire",
        "fatima",
        "luc",
    ]
    # Each read and post went through access.py and left an audit row.
    audit = AuditEvent.objects.filter(patient_id=marie_circle.pk)
    assert audit.filter(what="conversation", action="C", username="fatima").count() == 1
    assert audit.filter(what="conversation", action="R", username="claire").exists()
    assert audit.filter(what="conversation-message").count() == 2
    detail = client_for(gp_luc).get(f"/patients/{marie_circle.pk}/")
    assert f'href="/conversations/patient/{marie_circle.pk}/"' in detail.content.decode()


def test_unrelated_professional_gets_404_everywhere(marie_circle, gp_luc, outsider) -> None:  # type: ignore[no-untyped-def]
    conversation = open_patient_conversation(gp_luc, marie_circle)
    post(client_for(gp_luc), conversation, "Bonjour")
    pieter = client_for(outsider)
    assert pieter.get(f"/conversations/patient/{marie_circle.pk}/").status_code == 404
    assert pieter.get(f"/conversations/{conversation.pk}/").status_code == 404
    assert pieter.get(f"/conversations/{conversation.pk}/messages/").status_code == 404
    assert post(pieter, conversation, "Intrusion").status_code == 404
    assert pieter.get(f"/api/conversations/{conversation.pk}/messages").status_code == 404
    assert pieter.get("/api/conversations/").json() == []
    assert not ConversationMessage.objects.filter(body="Intrusion").exists()
    refused = AuditEvent.objects.filter(username="pieter", what="conversation")
    assert set(refused.values_list("outcome", flat=True)) == {"denied"}
    # Unknown and refused look the same.
    assert pieter.get("/conversations/999999/").status_code == 404


def test_excluded_professional_loses_the_conversation(  # type: ignore[no-untyped-def]
    marie_circle, manage, gp_luc, home_nurse
) -> None:
    conversation = open_patient_conversation(gp_luc, marie_circle)
    post(client_for(gp_luc), conversation, "Avant l'exclusion")
    fatima = client_for(home_nurse)
    assert fatima.get(f"/conversations/{conversation.pk}/").status_code == 200

    exclusion_add(access=manage, professional=home_nurse.professional, reason="demande")
    assert fatima.get(f"/conversations/{conversation.pk}/").status_code == 404
    assert post(fatima, conversation, "Après").status_code == 404
    assert fatima.get("/api/conversations/").json() == []
    post(client_for(gp_luc), conversation, "Après l'exclusion")
    after = ConversationMessage.objects.get(body="Après l'exclusion")
    assert not Notification.objects.filter(
        recipient=home_nurse, key__startswith=f"conversation-message-{after.pk}-"
    ).exists()


def test_mentions_notify_by_name_and_by_picker(  # type: ignore[no-untyped-def]
    marie_circle, nurse_claire, gp_luc, home_nurse
) -> None:
    conversation = open_patient_conversation(gp_luc, marie_circle)
    post(client_for(gp_luc), conversation, "@fatima pouvez-vous confirmer ? @nobody")
    message = ConversationMessage.objects.get()
    assert list(message.mentions.values_list("username", flat=True)) == ["fatima"]
    kinds = dict(Notification.objects.values_list("recipient__username", "kind"))
    assert kinds == {"fatima": "message.mention", "claire": "message.received"}

    post(client_for(home_nurse), conversation, "Oui.", mention=[str(nurse_claire.pk)])
    reply = ConversationMessage.objects.get(body="Oui.")
    assert list(reply.mentions.values_list("username", flat=True)) == ["claire"]
    mention = Notification.objects.get(recipient=nurse_claire, kind="message.mention")
    assert mention.link == f"/conversations/{conversation.pk}/"
    assert "Fatima" in mention.title("fr")


def test_read_state_and_unread_counts(marie_circle, nurse_claire, gp_luc, home_nurse) -> None:  # type: ignore[no-untyped-def]
    conversation = open_patient_conversation(gp_luc, marie_circle)
    luc = client_for(gp_luc)
    post(luc, conversation, "Un")
    post(luc, conversation, "Deux")

    def unread(user: object) -> int:
        rows = client_for(user).get("/api/conversations/").json()
        return int(next(r["unread"] for r in rows if r["id"] == conversation.pk))

    assert unread(nurse_claire) == 2
    assert unread(home_nurse) == 2
    assert unread(gp_luc) == 0, "the author has read what they wrote"
    listing = client_for(nurse_claire).get("/conversations/").content.decode()
    assert 'data-unread="2"' in listing

    assert client_for(nurse_claire).get(f"/conversations/{conversation.pk}/").status_code == 200
    assert unread(nurse_claire) == 0
    assert unread(home_nurse) == 2
    post(luc, conversation, "Trois")
    assert unread(nurse_claire) == 1

    # One unread "new message" notification per conversation until it is read; opening the
    # conversation marks it read, and the next message notifies again.
    def told(user: object) -> list[bool]:
        rows = Notification.objects.filter(recipient=user, kind="message.received")
        return [n.is_read for n in rows.order_by("pk")]

    assert told(home_nurse) == [False]
    assert told(nurse_claire) == [True, False]
    client_for(home_nurse).get(f"/conversations/{conversation.pk}/")
    assert told(home_nurse) == [True]
    post(luc, conversation, "Quatre")
    assert told(home_nurse) == [True, False]


def test_direct_conversation_between_professionals(gp_luc, nurse_claire, outsider) -> None:  # type: ignore[no-untyped-def]
    claire = client_for(nurse_claire)
    response = claire.post("/conversations/new/", {"usernames": "luc", "subject": "Garde"})
    assert response.status_code == 302
    conversation = Conversation.objects.get(kind="direct")
    assert conversation.patient is None
    api = claire.post(
        f"/api/conversations/{conversation.pk}/messages",
        {"body": "Tu es de garde samedi ?", "mentions": ["luc"]},
        content_type="application/json",
    )
    assert api.status_code == 201, api.content
    assert api.json()["mentions"] == ["luc"]
    page = client_for(gp_luc).get(f"/api/conversations/{conversation.pk}/messages").json()
    assert [m["body"] for m in page["items"]] == ["Tu es de garde samedi ?"]
    assert client_for(outsider).get(f"/conversations/{conversation.pk}/").status_code == 404
    unknown = claire.post("/conversations/new/", {"usernames": "personne"})
    assert "personne" in unknown.content.decode()
    assert Conversation.objects.count() == 1


def test_api_pages_messages_and_dedupes_retries(marie_circle, gp_luc) -> None:  # type: ignore[no-untyped-def]
    conversation = open_patient_conversation(gp_luc, marie_circle)
    luc = client_for(gp_luc)
    url = f"/api/conversations/{conversation.pk}/messages"
    for number in range(5):
        luc.post(url, {"body": f"m{number}"}, content_type="application/json")
    first = luc.get(url, {"limit": 2}).json()
    assert [m["body"] for m in first["items"]] == ["m3", "m4"]
    second = luc.get(url, {"limit": 2, "before": first["next_before"]}).json()
    assert [m["body"] for m in second["items"]] == ["m1", "m2"]
    last = luc.get(url, {"limit": 2, "before": second["next_before"]}).json()
    assert [m["body"] for m in last["items"]] == ["m0"] and last["next_before"] is None

    for _attempt in range(2):
        retry = luc.post(
            url, {"body": "une fois", "client_key": "k-1"}, content_type="application/json"
        )
        assert retry.status_code == 201
    assert conversation.messages.filter(body="une fois").count() == 1
    empty = luc.post(url, {"body": "  "}, content_type="application/json")
    assert empty.status_code == 422


def test_new_message_is_published_on_commit_to_the_participants(  # type: ignore[no-untyped-def]
    marie_circle, nurse_claire, gp_luc, home_nurse, outsider, django_capture_on_commit_callbacks
) -> None:
    layer = get_channel_layer()
    channels = {}
    for user in (nurse_claire, home_nurse, outsider):
        channels[user.username] = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(user_group(user.pk), channels[user.username])
    access = access_patient(gp_luc, marie_circle.pk, purpose=Purpose.COORDINATION)
    conversation = conversation_for_patient(access=access)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = conversation_message_post(
            access=conversation_access(gp_luc, conversation.pk), body="Sortie demain"
        )
    assert len(callbacks) == 1, "nothing is sent before the commit"
    callbacks[0]()
    for name in ("claire", "fatima"):
        event = async_to_sync(layer.receive)(channels[name])["event"]
        assert event["topic"] == f"conversation-{conversation.pk}"
        assert event["message"] == message.pk
        assert "Sortie" not in str(event), "the page fetches the text after its own access check"
    queue = layer.channels.get(channels["pieter"])  # type: ignore[attr-defined]
    assert not queue, "someone outside the circle receives nothing"


def test_openapi_lists_the_conversation_routes(client) -> None:  # type: ignore[no-untyped-def]
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/conversations/" in paths
    assert set(paths["/api/conversations/{conversation_id}/messages"]) == {"get", "post"}


def test_the_form_posts_once_when_sent_twice(marie_circle, gp_luc) -> None:  # type: ignore[no-untyped-def]
    conversation = open_patient_conversation(gp_luc, marie_circle)
    luc = client_for(gp_luc)
    page = luc.get(f"/conversations/{conversation.pk}/").content.decode()
    key = re.search(r'name="client_key" value="([0-9a-f]{32})"', page).group(1)  # type: ignore[union-attr]
    post(luc, conversation, "Double clic", client_key=key)
    after = post(luc, conversation, "Double clic", client_key=key).content.decode()
    assert conversation.messages.count() == 1
    assert f'value="{key}"' not in after, "the fresh form carries a new key"
