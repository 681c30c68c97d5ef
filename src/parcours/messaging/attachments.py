"""Message attachments: allowed types (by extension AND by content), size limit, storage.

Files live under settings.ATTACHMENT_ROOT by a random name, never in the database and never
under a name the sender chose; they are served only by the conversation views after the access
check. A refused file is refused before anything is written.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

MAX_FILES_PER_MESSAGE = 5

# extension → content type served back (always as a download)
ALLOWED = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "txt": "text/plain; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
}


class AttachmentRefused(ValueError):
    """A file that may not be attached; the message is translated and shown to the sender."""


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    content: bytes
    sha256: str


def _is_text(content: bytes) -> bool:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(ord(c) < 32 and c not in "\t\n\r\f" for c in text)


def _zip_names(content: bytes) -> zipfile.ZipFile | None:
    try:
        return zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError):
        return None


def _is_docx(content: bytes) -> bool:
    archive = _zip_names(content)
    return archive is not None and "word/document.xml" in archive.namelist()


def _is_odt(content: bytes) -> bool:
    archive = _zip_names(content)
    if archive is None or "mimetype" not in archive.namelist():
        return False
    return archive.read("mimetype").strip() == b"application/vnd.oasis.opendocument.text"


SNIFFERS = {
    "pdf": lambda c: c.startswith(b"%PDF-"),
    "png": lambda c: c.startswith(b"\x89PNG\r\n\x1a\n"),
    "jpg": lambda c: c.startswith(b"\xff\xd8\xff"),
    "jpeg": lambda c: c.startswith(b"\xff\xd8\xff"),
    "txt": _is_text,
    "docx": _is_docx,
    "odt": _is_odt,
}


def _clean_name(name: str) -> str:
    name = Path(name.replace("\\", "/")).name.strip().replace("\x00", "")
    return name[-200:] or "file"


def check_upload(upload: UploadedFile) -> CheckedFile:
    """Read and check one upload, or raise AttachmentRefused. Writes nothing."""
    name = _clean_name(upload.name or "")
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise AttachmentRefused(
            _("%(name)s is too large: attachments are limited to %(limit)s.")
            % {"name": name, "limit": filesizeformat(limit)}
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED:
        raise AttachmentRefused(
            _(
                "%(name)s cannot be attached: only PDF, PNG, JPEG, text, DOCX and ODT files "
                "are accepted."
            )
            % {"name": name}
        )
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise AttachmentRefused(
            _("%(name)s is too large: attachments are limited to %(limit)s.")
            % {"name": name, "limit": filesizeformat(limit)}
        )
    if not content or not SNIFFERS[extension](content):
        raise AttachmentRefused(
            _("%(name)s does not contain what its name says (%(type)s): it was not attached.")
            % {"name": name, "type": extension.upper()}
        )
    return CheckedFile(
        filename=name,
        content_type=ALLOWED[extension],
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def check_uploads(uploads: list[UploadedFile]) -> list[CheckedFile]:
    if len(uploads) > MAX_FILES_PER_MESSAGE:
        raise AttachmentRefused(
            _("Attach at most %(count)d files to one message.") % {"count": MAX_FILES_PER_MESSAGE}
        )
    return [check_upload(upload) for upload in uploads]


def root() -> Path:
    return Path(settings.ATTACHMENT_ROOT)


def path_of(stored_name: str) -> Path:
    return root() / stored_name[:2] / stored_name


def store(checked: CheckedFile) -> str:
    """Write the content under a fresh random name; return the name."""
    stored_name = secrets.token_hex(24)
    path = path_of(stored_name)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(path, "xb") as handle:
        handle.write(checked.content)
    return stored_name


def discard(stored_names: list[str]) -> None:
    for stored_name in stored_names:
        path_of(stored_name).unlink(missing_ok=True)
