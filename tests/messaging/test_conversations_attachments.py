"""Attachments: type by extension and content, size limit, storage outside the database, and
downloads only after the conversation's access check."""

# The circle-of-care personas come from tests/patients/conftest.py: pytest injects the imported
# fixtures by name, which ruff reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from parcours.messaging.models import Attachment, Conversation, ConversationMessage
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

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def attachment_root(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.ATTACHMENT_ROOT = tmp_path / "attachments"
    return settings.ATTACHMENT_ROOT  # type: ignore[no-any-return]


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


@pytest.fixture
def conversation(marie_circle, gp_luc) -> Conversation:  # type: ignore[no-untyped-def]
    client_for(gp_luc).get(f"/conversations/patient/{marie_circle.pk}/")
    return Conversation.objects.get(patient=marie_circle)


def send(user: object, conversation: Conversation, *files: SimpleUploadedFile, body: str = ""):  # type: ignore[no-untyped-def]
    return client_for(user).post(
        f"/conversations/{conversation.pk}/post/",
        {"body": body, "files": list(files)},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_allowed_file_is_stored_outside_the_db_under_a_random_name(  # type: ignore[no-untyped-def]
    conversation, gp_luc, attachment_root
) -> None:
    response = send(
        gp_luc,
        conversation,
        SimpleUploadedFile("lettre de sortie.pdf", PDF, "application/pdf"),
        SimpleUploadedFile("consignes.docx", docx(), "application/octet-stream"),
        body="Lettre et consignes",
    )
    assert response.status_code == 200
    assert "lettre de sortie.pdf" in response.content.decode()
    attachments = list(Attachment.objects.order_by("pk"))
    assert [a.filename for a in attachments] == ["lettre de sortie.pdf", "consignes.docx"]
    files = stored_files(attachment_root)
    assert len(files) == 2
    assert {f.name for f in files} == {a.stored_name for a in attachments}
    assert all("lettre" not in f.name for f in files)
    assert (
        attachment_root / attachments[0].stored_name[:2] / attachments[0].stored_name
    ).read_bytes() == PDF


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("script.exe", b"MZ\x90\x00", "only PDF, PNG, JPEG"),
        ("faux.pdf", b"MZ\x90\x00 not a pdf", "does not contain what its name says"),
        ("image.png", b"\xff\xd8\xff\xe0 jpeg bytes", "does not contain what its name says"),
        ("note.txt", b"binary\x00\x01\x02", "does not contain what its name says"),
        ("sans-extension", PDF, "only PDF, PNG, JPEG"),
    ],
)
def test_forbidden_file_is_refused_and_nothing_is_written(  # type: ignore[no-untyped-def]
    conversation, gp_luc, attachment_root, name, content, expected
) -> None:
    response = send(
        gp_luc,
        conversation,
        SimpleUploadedFile("ok.pdf", PDF),
        SimpleUploadedFile(name, content),
        body="Avec pièce jointe",
    )
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert not ConversationMessage.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(attachment_root) == []


def test_oversized_file_is_refused_with_a_translated_message(  # type: ignore[no-untyped-def]
    conversation, gp_luc, attachment_root, settings
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 1024
    client = client_for(gp_luc)
    responses = {
        language: client.post(
            f"/conversations/{conversation.pk}/post/",
            {"body": "Gros fichier", "files": [SimpleUploadedFile("scan.pdf", PDF + b"0" * 2048)]},
            HTTP_HX_REQUEST="true",
            HTTP_ACCEPT_LANGUAGE=language,
        ).content.decode()
        for language in ("en", "fr", "nl")
    }
    assert "scan.pdf is too large: attachments are limited to 1.0" in responses["en"]
    assert "scan.pdf est trop volumineux" in responses["fr"]
    assert "scan.pdf is te groot" in responses["nl"]
    assert not ConversationMessage.objects.exists()
    assert stored_files(attachment_root) == []


def test_download_is_access_checked_and_never_sniffed(  # type: ignore[no-untyped-def]
    conversation, manage, gp_luc, home_nurse, nurse_claire, outsider
) -> None:
    send(gp_luc, conversation, SimpleUploadedFile("bilan.pdf", PDF), body="Bilan")
    attachment = Attachment.objects.get()
    url = f"/conversations/attachments/{attachment.pk}/"

    response = client_for(nurse_claire).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="bilan.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"

    assert client_for(outsider).get(url).status_code == 404
    assert client_for(home_nurse).get(url).status_code == 200
    exclusion_add(access=manage, professional=home_nurse.professional)
    assert client_for(home_nurse).get(url).status_code == 404
    assert client_for(nurse_claire).get("/conversations/attachments/999999/").status_code == 404
