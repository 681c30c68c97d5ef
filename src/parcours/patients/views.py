"""Patient pages: thin views over `access.py`, `actions.py` and `selectors.py`."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from parcours.accounts.http import request_user
from parcours.audit.models import AuditAction
from parcours.directory.models import Organisation, Professional, Service
from parcours.patients import actions, selectors
from parcours.patients.access import (
    BreakGlassReasonRequired,
    PatientAccess,
    PatientNotFound,
    Purpose,
    access_patient_list,
    accessible_patients,
    break_the_glass,
)
from parcours.patients.export import build_patient_bundle
from parcours.patients.forms import (
    BreakGlassForm,
    BreakGlassLookupForm,
    ConsentForm,
    DirectoryMemberForm,
    ExclusionForm,
    IdentifierForm,
    MergeForm,
    PatientForm,
    PersonMemberForm,
)
from parcours.patients.http import patient_access_or_404
from parcours.patients.identifiers import InvalidIdentifier, check_identifier
from parcours.patients.models import MemberRole, Visibility

BREAK_GLASS_OPENED = gettext_lazy(
    "Emergency access open for four hours. The patient's referent has been told."
)


@login_required
def patient_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    patients = access_patient_list(request.user, purpose=Purpose.TREATMENT, query=query)
    return render(request, "patients/list.html", {"patients": patients, "query": query})


@login_required
def patient_create(request: HttpRequest) -> HttpResponse:
    form = PatientForm(request.POST or None)
    duplicate: actions.DuplicatePatient | None = None
    reachable: list[int] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        identifiers = []
        if data["identifier_value"]:
            identifiers.append(
                actions.IdentifierInput(data["identifier_system"], data["identifier_value"])
            )
        try:
            patient = actions.patient_create(
                user=request_user(request),
                data=actions.PatientData(
                    given_name=data["given_name"],
                    family_name=data["family_name"],
                    birth_date=data["birth_date"],
                    administrative_sex=data["administrative_sex"],
                    gender_identity=data["gender_identity"],
                    pronouns=data["pronouns"],
                    address_line=data["address_line"],
                    postcode=data["postcode"],
                    languages=data["languages"],
                    phone=data["phone"],
                    is_provisional=data["is_provisional"],
                ),
                identifiers=identifiers,
                confirm_not_duplicate=data["confirm_not_duplicate"],
            )
        except actions.DuplicatePatient as exc:
            duplicate = exc
            # Show only the candidates this user may already reach; say the others exist.
            ids = [c.patient_id for c in exc.candidates]
            reachable = list(
                accessible_patients(request.user).filter(pk__in=ids).values_list("pk", flat=True)
            )
        except (InvalidIdentifier, actions.PatientError) as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Patient registered."))
            return redirect("patients:circle", pk=patient.pk)
    return render(
        request,
        "patients/create.html",
        {"form": form, "duplicate": duplicate, "reachable": reachable},
    )


@login_required
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = patient_access_or_404(request, pk, purpose=Purpose.TREATMENT)
    return render(
        request,
        "patients/detail.html",
        {
            "access": access,
            "patient": access.patient,
            "identifiers": access.patient.identifiers.select_related("assigning_authority"),
            "identifier_form": IdentifierForm(),
            "merge_form": MergeForm(),
            "consent": selectors.consent_history(access=access).first(),
        },
    )


@login_required
@require_POST
def identifier_add(request: HttpRequest, pk: int) -> HttpResponse:
    access = patient_access_or_404(
        request, pk, purpose=Purpose.COORDINATION, action=AuditAction.UPDATE, manage=True
    )
    form = IdentifierForm(request.POST)
    if form.is_valid():
        try:
            actions.patient_identifier_add(
                access=access,
                identifier=actions.IdentifierInput(
                    form.cleaned_data["system"], form.cleaned_data["value"]
                ),
            )
            messages.success(request, _("Identifier added."))
        except actions.DuplicatePatient as exc:
            messages.error(request, str(exc.message))
        except InvalidIdentifier as exc:
            messages.error(request, str(exc.message))
    return redirect("patients:detail", pk=access.patient.pk)


@login_required
@require_POST
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    form = MergeForm(request.POST)
    if not form.is_valid():
        raise Http404(_("No patient found."))
    source = patient_access_or_404(
        request,
        pk,
        purpose=Purpose.COORDINATION,
        action=AuditAction.UPDATE,
        what="patient-merge",
        manage=True,
    )
    target = patient_access_or_404(
        request,
        form.cleaned_data["target"],
        purpose=Purpose.COORDINATION,
        action=AuditAction.UPDATE,
        what="patient-merge",
        manage=True,
    )
    try:
        kept = actions.patient_merge(source=source, target=target)
    except actions.PatientError as exc:
        messages.error(request, str(exc.message))
        return redirect("patients:detail", pk=source.patient.pk)
    messages.success(request, _("Records merged: nothing was lost."))
    return redirect("patients:detail", pk=kept.pk)


def _circle_context(access: PatientAccess) -> dict[str, Any]:
    return {
        "access": access,
        "patient": access.patient,
        "members": selectors.circle_members(access=access),
        "graph": selectors.circle_graph(access=access),
        "person_form": PersonMemberForm(initial={"visibility": Visibility.NON_MEDICAL}),
        "member_form": DirectoryMemberForm(),
    }


@login_required
def circle(request: HttpRequest, pk: int) -> HttpResponse:
    access = patient_access_or_404(request, pk, purpose=Purpose.COORDINATION, what="circle")
    return render(request, "patients/circle.html", _circle_context(access))


@login_required
def circle_search(request: HttpRequest, pk: int) -> HttpResponse:
    access = patient_access_or_404(
        request, pk, purpose=Purpose.COORDINATION, what="circle", manage=True
    )
    hits = selectors.directory_lookup(query=request.GET.get("q", "")[:100])
    mode = "exclude" if request.GET.get("mode") == "exclude" else "circle"
    return render(
        request,
        "patients/_directory_hits.html",
        {
            "access": access,
            "patient": access.patient,
            "hits": hits,
            "mode": mode,
            "member_form": DirectoryMemberForm(),
            "query": request.GET.get("q", ""),
        },
    )


def _directory_target(key: str) -> dict[str, Any]:
    kind, _sep, raw_id = key.partition(":")
    models_by_kind = {
        "professional": Professional,
        "service": Service,
        "organisation": Organisation,
    }
    entity = models_by_kind[kind]._default_manager.filter(pk=int(raw_id)).first()
    if entity is None:
        raise Http404(_("Not found in the directory."))
    return {kind: entity}


@login_required
@require_POST
def circle_add(request: HttpRequest, pk: int) -> HttpResponse:
    access = patient_access_or_404(
        request,
        pk,
        purpose=Purpose.COORDINATION,
        action=AuditAction.CREATE,
        what="circle",
        manage=True,
    )
    kind = request.POST.get("kind", "directory")
    form: DirectoryMemberForm | PersonMemberForm
    form = PersonMemberForm(request.POST) if kind == "person" else DirectoryMemberForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        entity = _directory_target(data.pop("target")) if kind != "person" else {}
        try:
            actions.circle_member_add(access=access, member=actions.MemberInput(**data, **entity))
            messages.success(request, _("Added to the circle of care."))
        except actions.PatientError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, _("Check the fields of the form."))
    return redirect("patients:circle", pk=access.patient.pk)


@login_required
@require_POST
def circle_end(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    access = patient_access_or_404(
        request,
        pk,
        purpose=Purpose.COORDINATION,
        action=AuditAction.UPDATE,
        what="circle",
        manage=True,
    )
    try:
        actions.circle_member_end(access=access, member_id=member_id)
    except PatientNotFound as exc:
        raise Http404(_("No patient found.")) from exc
    messages.success(request, _("The relationship has ended."))
    return redirect("patients:circle", pk=access.patient.pk)


@login_required
@require_POST
def circle_confirm(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    access = patient_access_or_404(
        request,
        pk,
        purpose=Purpose.COORDINATION,
        action=AuditAction.UPDATE,
        what="circle",
        manage=True,
    )
    try:
        actions.circle_member_confirm(access=access, member_id=member_id)
    except PatientNotFound as exc:
        raise Http404(_("No patient found.")) from exc
    return redirect("patients:circle", pk=access.patient.pk)


@login_required
def consent(request: HttpRequest, pk: int) -> HttpResponse:
    manage = request.method == "POST"
    access = patient_access_or_404(
        request,
        pk,
        purpose=Purpose.CONSENT,
        what="consent",
        manage=manage,
        action=AuditAction.UPDATE if manage else AuditAction.READ,
    )
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.consent_record(access=access, **form.cleaned_data)
        messages.success(request, _("Consent recorded."))
        return redirect("patients:consent", pk=access.patient.pk)
    return render(
        request,
        "patients/consent.html",
        {
            "access": access,
            "patient": access.patient,
            "form": form,
            "history": selectors.consent_history(access=access),
            "exclusions": selectors.exclusions(access=access),
            "exclusion_form": ExclusionForm(),
        },
    )


@login_required
@require_POST
def exclusion_add(request: HttpRequest, pk: int) -> HttpResponse:
    access = patient_access_or_404(
        request,
        pk,
        purpose=Purpose.CONSENT,
        action=AuditAction.CREATE,
        what="exclusion",
        manage=True,
    )
    form = ExclusionForm(request.POST)
    if form.is_valid():
        professional = Professional.objects.filter(pk=form.cleaned_data["professional"]).first()
        if professional is None:
            raise Http404(_("Not found in the directory."))
        actions.exclusion_add(
            access=access, professional=professional, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Exclusion recorded: this professional will see nothing."))
    return redirect("patients:consent", pk=access.patient.pk)


@login_required
@require_POST
def exclusion_lift(request: HttpRequest, pk: int, exclusion_id: int) -> HttpResponse:
    access = patient_access_or_404(
        request,
        pk,
        purpose=Purpose.CONSENT,
        action=AuditAction.UPDATE,
        what="exclusion",
        manage=True,
    )
    try:
        actions.exclusion_lift(access=access, exclusion_id=exclusion_id)
    except PatientNotFound as exc:
        raise Http404(_("No patient found.")) from exc
    return redirect("patients:consent", pk=access.patient.pk)


@login_required
def access_log(request: HttpRequest, pk: int) -> HttpResponse:
    access = patient_access_or_404(
        request, pk, purpose=Purpose.AUDIT_REVIEW, what="access-log", manage=True
    )
    return render(
        request,
        "patients/access_log.html",
        {
            "access": access,
            "patient": access.patient,
            "events": selectors.access_log(access=access),
        },
    )


@login_required
def break_glass(request: HttpRequest, pk: int) -> HttpResponse:
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            access = break_the_glass(request.user, pk, reason=form.cleaned_data["reason"])
        except BreakGlassReasonRequired as exc:
            form.add_error("reason", str(exc.message))
        except PatientNotFound as exc:
            raise Http404(_("No patient found.")) from exc
        else:
            messages.warning(
                request,
                BREAK_GLASS_OPENED,
            )
            return redirect("patients:detail", pk=access.patient.pk)
    return render(request, "patients/break_glass.html", {"form": form, "pk": pk})


@login_required
def break_glass_lookup(request: HttpRequest) -> HttpResponse:
    """Emergency access for someone the user cannot search for: by identifier and reason."""
    form = BreakGlassLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            value = check_identifier(system=data["system"], value=data["value"], has_authority=True)
        except InvalidIdentifier as exc:
            form.add_error("value", str(exc.message))
        else:
            patient_id = selectors.patient_id_by_identifier(system=value.system, value=value.value)
            try:
                access = break_the_glass(request.user, patient_id or 0, reason=data["reason"])
            except BreakGlassReasonRequired as exc:
                form.add_error("reason", str(exc.message))
            except PatientNotFound:
                form.add_error(None, _("No patient found."))
            else:
                messages.warning(
                    request,
                    BREAK_GLASS_OPENED,
                )
                return redirect("patients:detail", pk=access.patient.pk)
    return render(request, "patients/break_glass.html", {"form": form, "pk": None})


@login_required
def export(request: HttpRequest, pk: int) -> HttpResponse:
    access = patient_access_or_404(
        request, pk, purpose=Purpose.PATIENT_REQUEST, what="export", manage=True
    )
    bundle = build_patient_bundle(access=access)
    response = HttpResponse(
        json.dumps(bundle, ensure_ascii=False, indent=2), content_type="application/fhir+json"
    )
    response["Content-Disposition"] = f'attachment; filename="patient-{access.patient.pk}.json"'
    return response


PERSON_ROLES = MemberRole.person_roles()
