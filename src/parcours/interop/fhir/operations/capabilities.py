"""capabilities: GET /fhir/metadata, the CapabilityStatement built from the registry."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from parcours.interop.fhir.registry import Json, all_types

CONTROL_PARAMS = [
    {"name": "_count", "type": "number", "documentation": "Page size (default 20, at most 100)."},
    {"name": "_offset", "type": "number", "documentation": "Matches to skip (paging links)."},
]


def _version() -> str:
    try:
        return version("parcours")
    except PackageNotFoundError:
        return "unknown"


def capabilities(base: str) -> Json:
    resources = []
    for resource in all_types():
        entry: Json = {
            "type": resource.name,
            "interaction": [{"code": code} for code in resource.interactions],
            "searchParam": [
                {"name": p.name, "type": p.type, "documentation": p.description}
                for p in resource.search_params.values()
            ]
            + CONTROL_PARAMS,
        }
        if resource.includes:
            entry["searchInclude"] = [f"{resource.name}:{name}" for name in resource.includes]
        if resource.documentation:
            entry["documentation"] = resource.documentation
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-02",
        "kind": "instance",
        "software": {"name": "Parcours", "version": _version()},
        "implementation": {"description": "Parcours FHIR API", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "service": [
                        {"text": "Bearer API token (Authorization: Bearer …) or a session."}
                    ],
                    "description": "Every access to patient-linked data is checked and audited.",
                },
                "resource": resources,
                "interaction": [{"code": "transaction"}],
            }
        ],
    }
