"""transaction: POST /fhir/ with a Bundle of type transaction — all entries or none.

Entries are POST (create) or PUT (update) of registered resource types. `urn:uuid:` full URLs
are resolved: an entry referring to another entry's full URL is processed after it, with the
reference rewritten to the created `Type/id`. Any failing entry rolls the whole database
transaction back and answers that entry's OperationOutcome (its expression names the entry).

Access checks made inside the rolled-back transaction lose their audit rows with it, so the
refusal is recorded again, once, after the rollback.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction as db_transaction
from django.utils.translation import gettext as _
from fhir.resources.R4B.bundle import Bundle as BundleModel

from parcours.audit.actions import audit_record
from parcours.audit.models import AuditAction, AuditOutcome
from parcours.interop.fhir.context import Context
from parcours.interop.fhir.errors import FhirError, Kind, invalid
from parcours.interop.fhir.operations.create import create
from parcours.interop.fhir.operations.update import update
from parcours.interop.fhir.registry import Json
from parcours.interop.fhir.validation import validated
from parcours.patients.access import actor_of

MAX_ENTRIES = 500


def _urn_refs(value: Any, found: set[str]) -> None:
    if isinstance(value, dict):
        ref = value.get("reference")
        if isinstance(ref, str) and ref.startswith("urn:uuid:"):
            found.add(ref)
        for item in value.values():
            _urn_refs(item, found)
    elif isinstance(value, list):
        for item in value:
            _urn_refs(item, found)


def _rewrite(value: Any, resolved: dict[str, str]) -> Any:
    if isinstance(value, dict):
        copy = {key: _rewrite(item, resolved) for key, item in value.items()}
        ref = copy.get("reference")
        if isinstance(ref, str) and ref in resolved:
            copy["reference"] = resolved[ref]
        return copy
    if isinstance(value, list):
        return [_rewrite(item, resolved) for item in value]
    return value


def _plan(entries: list[Json]) -> list[tuple[int, str, str, str | None, Json, str]]:
    """(index, method, type, id, resource, fullUrl) for each entry, checked before any write."""
    planned = []
    full_urls: set[str] = set()
    for index, entry in enumerate(entries):
        where = [f"Bundle.entry[{index}]"]
        request = entry.get("request") or {}
        method = str(request.get("method", ""))
        url = str(request.get("url", "")).strip("/")
        resource = entry.get("resource")
        full_url = str(entry.get("fullUrl") or "")
        if method not in ("POST", "PUT"):
            raise FhirError(
                400,
                "not-supported",
                _("Only POST and PUT entries are supported."),
                kind=Kind.TRANSACTION_ENTRY,
                expression=where,
            )
        if not isinstance(resource, dict):
            raise invalid(_("Each entry needs a resource."), where, kind=Kind.TRANSACTION_ENTRY)
        parts = url.split("/")
        if (method == "POST" and len(parts) != 1) or (method == "PUT" and len(parts) != 2):
            raise invalid(
                _("request.url must be Type for POST and Type/id for PUT."),
                where,
                kind=Kind.TRANSACTION_ENTRY,
            )
        if parts[0] != resource.get("resourceType"):
            raise invalid(
                _("request.url and resourceType do not match."), where, kind=Kind.TRANSACTION_ENTRY
            )
        if full_url:
            if full_url in full_urls:
                raise invalid(
                    _("Two entries have the same fullUrl."), where, kind=Kind.TRANSACTION_ENTRY
                )
            full_urls.add(full_url)
        planned.append(
            (index, method, parts[0], parts[1] if method == "PUT" else None, resource, full_url)
        )
    return planned


def _process(ctx: Context, entries: list[Json]) -> list[Json]:
    pending = _plan(entries)
    resolved: dict[str, str] = {}
    known = {full for *_, full in pending if full}
    results: dict[int, Json] = {}
    while pending:
        progress = False
        waiting = []
        for index, method, type_name, resource_id, resource, full_url in pending:
            refs: set[str] = set()
            _urn_refs(resource, refs)
            unknown = refs - known
            if unknown:
                raise invalid(
                    _("The reference %(reference)s points to no entry.")
                    % {"reference": sorted(unknown)[0][:80]},
                    [f"Bundle.entry[{index}]"],
                    kind=Kind.UNRESOLVED_REFERENCE,
                )
            if refs - set(resolved):
                waiting.append((index, method, type_name, resource_id, resource, full_url))
                continue
            progress = True
            body = _rewrite(resource, resolved)
            try:
                if method == "POST":
                    result = create(ctx, type_name, body)
                    status = "201 Created"
                else:
                    assert resource_id is not None
                    result = update(ctx, type_name, resource_id, body)
                    status = "200 OK"
            except FhirError as error:
                raise error.in_entry(index) from None
            location = f"{result['resourceType']}/{result['id']}"
            if full_url:
                resolved[full_url] = location
            results[index] = {
                "fullUrl": ctx.url(result["resourceType"], result["id"]),
                "resource": result,
                "response": {"status": status, "location": location},
            }
        if not progress:
            raise invalid(
                _("The entries refer to each other in a circle."),
                ["Bundle.entry"],
                kind=Kind.CIRCULAR_REFERENCES,
            )
        pending = waiting
    return [results[index] for index in sorted(results)]


def _checked_entries(body: Any) -> list[Json]:
    if isinstance(body, dict) and body.get("resourceType") != "Bundle":
        raise invalid(
            _("POST a Bundle of type transaction here."),
            ["resourceType"],
            kind=Kind.NOT_A_TRANSACTION,
        )
    bundle = validated("Bundle", BundleModel, body)
    if bundle.get("type") != "transaction":
        raise FhirError(
            400,
            "not-supported",
            _("Only transaction Bundles are supported."),
            kind=Kind.NOT_A_TRANSACTION,
            expression=["Bundle.type"],
        )
    entries: list[Json] = bundle.get("entry") or []
    if len(entries) > MAX_ENTRIES:
        raise FhirError(
            413,
            "too-costly",
            _("A transaction has at most %(count)s entries.") % {"count": MAX_ENTRIES},
            kind=Kind.TRANSACTION_TOO_LARGE,
        )
    return entries


def transaction(ctx: Context, body: Any) -> Json:
    try:
        entries = _checked_entries(body)
        with db_transaction.atomic():
            done = _process(ctx, entries)
    except FhirError as error:
        audit_record(
            actor=actor_of(ctx.user),
            action=AuditAction.EXECUTE,
            what="fhir-transaction",
            outcome=AuditOutcome.DENIED,
            reason=error.code,
            detail={
                "status": error.status,
                "kind": error.kind,
                "diagnostics": error.diagnostics[:200],
            },
        )
        raise
    return {"resourceType": "Bundle", "type": "transaction-response", "entry": done}
