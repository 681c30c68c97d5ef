"""The hash-chained audit log: one row per read or write of patient data.

Each row stores `row_hash = SHA-256(prev_hash ‖ canonical JSON payload)` and a sequence number
without gaps, so `parcours audit verify` can tell an edited, an inserted and a deleted row
apart. Rows keep plain values (user id, username, patient id) instead of foreign keys: the log
must outlive the rows it talks about and never cascade.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditAction(models.TextChoices):
    """FHIR AuditEvent.action."""

    CREATE = "C", _("Create")
    READ = "R", _("Read")
    UPDATE = "U", _("Update")
    DELETE = "D", _("Delete")
    EXECUTE = "E", _("Execute")


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", _("Allowed")
    DENIED = "denied", _("Refused")


class EventType:
    """FHIR AuditEvent.type / subtype codes (system, code, display)."""

    REST = ("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation")
    SECURITY_ALERT = ("http://dicom.nema.org/resources/ontology/DCM", "110113", "Security Alert")
    EMERGENCY_OVERRIDE_STARTED = (
        "http://dicom.nema.org/resources/ontology/DCM",
        "110127",
        "Emergency Override Started",
    )
    EMERGENCY_OVERRIDE_STOPPED = (
        "http://dicom.nema.org/resources/ontology/DCM",
        "110128",
        "Emergency Override Stopped",
    )


class AuditChainHead(models.Model):
    """The last sequence number and hash, so a truncated tail is detected too."""

    seq = models.BigIntegerField(default=0)
    row_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"audit chain head #{self.seq}"


class AuditEvent(models.Model):
    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=40, blank=True)
    organisation = models.CharField(max_length=64, blank=True)
    patient_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=1, choices=AuditAction.choices)
    what = models.CharField(max_length=60)
    purpose = models.CharField(max_length=40, blank=True)
    outcome = models.CharField(max_length=10, choices=AuditOutcome.choices)
    reason = models.CharField(max_length=60, blank=True)
    type_code = models.CharField(max_length=20, default="rest")
    subtype_code = models.CharField(max_length=20, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    channel = models.CharField(max_length=10, blank=True)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["patient_id", "at"], name="audit_patient_at")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.username} {self.action} {self.what} {self.outcome}"

    HASHED_FIELDS = (
        "seq",
        "at",
        "user_id",
        "username",
        "role",
        "organisation",
        "patient_id",
        "action",
        "what",
        "purpose",
        "outcome",
        "reason",
        "type_code",
        "subtype_code",
        "detail",
        "request_id",
        "ip_address",
        "user_agent",
        "channel",
    )

    def payload(self) -> dict[str, Any]:
        values: dict[str, Any] = {name: getattr(self, name) for name in self.HASHED_FIELDS}
        at = values["at"]
        values["at"] = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return values

    def compute_hash(self, prev_hash: str) -> str:
        return chain_hash(prev_hash, self.payload())


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8: the same bytes whatever the Python or database version."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(payload)).encode()).hexdigest()
