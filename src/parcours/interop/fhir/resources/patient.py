"""Patient ⇄ patients.Patient: read, search, create (patient_create), update (patient_update).

Identifiers: NISS and BIS share the eHealth SSIN system (told apart by the month, + 20 or + 40
for BIS); NIR uses the INS OID; a hospital's local number uses our local system with the
hospital as `assigner`. On update the identifiers are left as they are (adding one goes through
the record's page, which handles merges).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from fhir.resources.R4B.patient import Patient as PatientModel

from parcours.accounts.models import Role
from parcours.audit.models import AuditAction
from parcours.directory.models import Organisation
from parcours.interop.fhir import params
from parcours.interop.fhir.context import Context
from parcours.interop.fhir.errors import FhirError, Kind, not_found, unprocessable
from parcours.interop.fhir.registry import Found, Json, ResourceType, register
from parcours.interop.fhir.resources.common import BCP47, address, coding, compact, reference
from parcours.interop.fhir.resources.scope import accessible, patient_access
from parcours.patients.access import PatientNotFound
from parcours.patients.actions import (
    DuplicatePatient,
    IdentifierInput,
    PatientData,
    PatientError,
    patient_create,
    patient_update,
)
from parcours.patients.identifiers import FHIR_SYSTEMS, IdentifierSystem, InvalidIdentifier
from parcours.patients.models import AdministrativeSex, MemberRole, Patient, PatientIdentifier
from parcours.territory.models import Municipality

# As the patient export (right of access) writes it.
LOCAL = "urn:parcours:local-identifier"
SSIN = FHIR_SYSTEMS[IdentifierSystem.BE_NISS]
# Older eHealth NamingSystem URI, accepted on input.
SSIN_OLD = "https://www.ehealth.fgov.be/standards/fhir/NamingSystem/ssin"
NIR = FHIR_SYSTEMS[IdentifierSystem.FR_NIR]


def _identifier(item: PatientIdentifier) -> Json:
    if item.system == IdentifierSystem.LOCAL:
        return compact(
            {
                "use": "usual",
                "system": LOCAL,
                "value": item.value,
                "assigner": reference("Organization", item.assigning_authority_id),
            }
        )
    return {"use": "official", "system": FHIR_SYSTEMS[item.system], "value": item.value}


def _general_practitioners(patient: Patient) -> list[Json]:
    """The GPs of the circle today (médecin traitant / huisarts)."""
    today = timezone.localdate()
    members = patient.circle.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today),
        role=MemberRole.GP,
        professional__isnull=False,
        start_date__lte=today,
    ).select_related("professional")
    return [
        {"reference": f"Practitioner/{m.professional_id}", "display": str(m.professional)}
        for m in members
    ]


def to_fhir(ctx: Context, patient: Patient) -> Json:
    name = compact(
        {
            "use": "official",
            "text": patient.display_name,
            "family": patient.family_name,
            "given": patient.given_name.split() if patient.given_name else [],
        }
    )
    return compact(
        {
            "resourceType": "Patient",
            "id": str(patient.pk),
            "identifier": [_identifier(i) for i in patient.identifiers.all()],
            "active": True,
            "name": [name],
            "gender": patient.administrative_sex,
            "birthDate": patient.birth_date.isoformat() if patient.birth_date else None,
            "telecom": [{"system": "phone", "value": patient.phone}] if patient.phone else [],
            "address": address(patient.address_line, patient.postcode, patient.municipality),
            "generalPractitioner": _general_practitioners(patient),
            "communication": [
                {"language": {"coding": [coding(BCP47, language)]}}
                for language in patient.languages or []
                if isinstance(language, str) and language
            ],
        }
    )


def read(ctx: Context, resource_id: str) -> Json:
    access = patient_access(ctx, resource_id, resource_type="Patient", resource_id=resource_id)
    return to_fhir(ctx, access.patient)


def search(ctx: Context, q: Q) -> Found:
    queryset = Patient.objects.filter(q).select_related("municipality")
    queryset = accessible(ctx, queryset, resource_type="Patient", path="")
    return Found(queryset.prefetch_related("identifiers").distinct().order_by("pk"), to_fhir)


def _match_identifier(system: str | None, value: str) -> Q | None:
    systems = {
        SSIN: [IdentifierSystem.BE_NISS, IdentifierSystem.BE_BIS],
        SSIN_OLD: [IdentifierSystem.BE_NISS, IdentifierSystem.BE_BIS],
        NIR: [IdentifierSystem.FR_NIR],
        LOCAL: [IdentifierSystem.LOCAL],
    }
    if system:
        ours = systems.get(system)
        if ours is None:
            return None
        if not value:
            return Q(identifiers__system__in=ours)
        compact_value = "".join(ch for ch in value if ch.isalnum()) or value
        return Q(identifiers__system__in=ours, identifiers__value__in=[value, compact_value])
    compact_value = "".join(ch for ch in value if ch.isalnum()) or value
    return Q(identifiers__value__in=[value, compact_value])


# --- from FHIR -------------------------------------------------------------------------------


def _ssin_system(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) == 11 and int(digits[2:4]) >= 20:
        return IdentifierSystem.BE_BIS
    return IdentifierSystem.BE_NISS


def _organisation(ref: Any) -> Organisation | None:
    text = ref.get("reference", "") if isinstance(ref, dict) else ""
    pk = params.reference_id(text, "Organization") if text else None
    return Organisation.objects.filter(pk=pk).first() if pk else None


def identifiers_of(resource: Json) -> list[IdentifierInput]:
    found = []
    for index, item in enumerate(resource.get("identifier") or []):
        system, value = item.get("system", ""), str(item.get("value", "")).strip()
        where = [f"Patient.identifier[{index}]"]
        if not value or len(value) > 40:
            raise unprocessable(_("An identifier needs a value of at most 40 characters."), where)
        if system in (SSIN, SSIN_OLD):
            found.append(IdentifierInput(_ssin_system(value), value))
        elif system == NIR:
            found.append(IdentifierInput(IdentifierSystem.FR_NIR, value))
        elif system == LOCAL:
            authority = _organisation(item.get("assigner"))
            if authority is None:
                raise unprocessable(_("A local identifier needs an Organization assigner."), where)
            found.append(IdentifierInput(IdentifierSystem.LOCAL, value, authority))
        else:
            raise unprocessable(
                _("The identifier system %(system)s is not supported: use SSIN, NIR or %(local)s.")
                % {"system": str(system)[:100], "local": LOCAL},
                where,
            )
    return found


def _municipality(city: str, postcode: str) -> int | None:
    if not city:
        return None
    q = Q()
    for language in params.LANGUAGES:
        q |= Q(**{f"name__{language}__iexact": city})
    matches = list(Municipality.objects.filter(q).values_list("pk", "postcodes")[:20])
    for pk, postcodes in matches:
        if postcode and postcode in (postcodes or []):
            return int(pk)
    return int(matches[0][0]) if len(matches) == 1 else None


def data_of(resource: Json) -> PatientData:
    names = resource.get("name") or []
    name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    given = " ".join(name.get("given") or []).strip()
    family = str(name.get("family") or "").strip()
    if not given and name.get("text"):
        given = str(name["text"]).strip()
    birth = resource.get("birthDate")
    birth_date = None
    if birth:
        try:
            birth_date = date.fromisoformat(str(birth))
        except ValueError:
            raise unprocessable(
                _("Give the full birth date (YYYY-MM-DD)."), ["Patient.birthDate"]
            ) from None
    gender = resource.get("gender") or AdministrativeSex.UNKNOWN
    if gender not in AdministrativeSex.values:
        raise unprocessable(
            _("Patient.gender is one of %(values)s.")
            % {"values": ", ".join(AdministrativeSex.values)},
            ["Patient.gender"],
        )
    addresses = resource.get("address") or [{}]
    home = addresses[0]
    line = ", ".join(str(part) for part in home.get("line") or [])
    postcode = str(home.get("postalCode") or "")
    phones = [t for t in resource.get("telecom") or [] if t.get("system") == "phone"]
    languages = []
    for item in resource.get("communication") or []:
        for code in (item.get("language") or {}).get("coding") or []:
            if code.get("code"):
                languages.append(str(code["code"])[:8])
    if len(given) > 100 or len(family) > 100 or len(line) > 200 or len(postcode) > 10:
        raise unprocessable(_("A name or an address part is too long."), ["Patient"])
    return PatientData(
        given_name=given,
        family_name=family,
        birth_date=birth_date,
        administrative_sex=gender,
        address_line=line,
        postcode=postcode,
        municipality_id=_municipality(str(home.get("city") or ""), postcode),
        languages=languages[:5],
        phone=str(phones[0].get("value", ""))[:40] if phones else "",
    )


def create(ctx: Context, resource: Json) -> Json:
    if not any(m.role in Role.care_roles() for m in ctx.user.active_memberships()):
        raise FhirError(
            403,
            "forbidden",
            _("Only care professionals can register patients."),
            kind=Kind.FORBIDDEN,
        )
    data = data_of(resource)
    identifiers = identifiers_of(resource)
    data.is_provisional = not identifiers
    try:
        patient = patient_create(user=ctx.user, data=data, identifiers=identifiers)
    except DuplicatePatient as exc:
        raise FhirError(409, "duplicate", exc.message, kind=Kind.DUPLICATE) from None
    except (InvalidIdentifier, PatientError) as exc:
        raise unprocessable(exc.message) from None
    return to_fhir(ctx, patient)


def update(ctx: Context, resource_id: str, resource: Json) -> Json:
    access = patient_access(
        ctx,
        resource_id,
        resource_type="Patient",
        resource_id=resource_id,
        action=AuditAction.UPDATE,
    )
    data = data_of(resource)
    if not data.given_name:
        raise unprocessable(_("Enter the person's given name."), ["Patient.name"])
    try:
        patient = patient_update(access=access, data=data)
    except PatientNotFound:
        raise not_found("Patient", resource_id) from None
    except PatientError as exc:
        raise unprocessable(exc.message) from None
    return to_fhir(ctx, patient)


RESOURCE = register(
    ResourceType(
        name="Patient",
        model=PatientModel,
        read=read,
        search=search,
        create=create,
        update=update,
        search_params={
            p.name: p
            for p in [
                params.ids_param(),
                params.token(
                    "identifier", "SSIN (NISS/BIS), NIR or local number.", _match_identifier
                ),
                params.string("name", "Given or family name.", ["given_name", "family_name"]),
                params.string("family", "Family name.", ["family_name"]),
                params.string("given", "Given name.", ["given_name"]),
                params.date_param("birthdate", "Birth date (eq, ge, le, gt, lt).", "birth_date"),
                params.string(
                    "address-city", "Municipality.", [], localized=["municipality__name"]
                ),
                params.code(
                    "gender",
                    "Administrative sex.",
                    "administrative_sex",
                    {v: v for v in AdministrativeSex.values},
                ),
            ]
        },
        documentation="Patients the user may reach (circle of care, stay team, "
        "break-the-glass); unknown and not allowed are the same 404. Every access is audited.",
    )
)
