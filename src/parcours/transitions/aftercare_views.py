"""Follow-up pages: the watch list of my organisations, and a patient's follow-up (contacts,
refusals of help, readmissions, watches). Thin: access through `access.py`, one action each."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcours.accounts.http import request_user
from parcours.audit.actions import audit_record
from parcours.audit.models import AuditAction, AuditOutcome
from parcours.patients.access import (
    PatientAccess,
    Purpose,
    actor_of,
)
from parcours.patients.http import patient_access_or_404
from parcours.transitions import aftercare_actions as actions
from parcours.transitions import aftercare_selectors as selectors
from parcours.transitions.aftercare_forms import (
    ContactForm,
    ReactivateForm,
    RefusalForm,
    WatchEndForm,
    WatchStartForm,
)
from parcours.transitions.aftercare_models import WatchEntry


@login_required
def watch_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    rows = selectors.watch_list(user)
    audit_record(
        actor=actor_of(user),
        action=AuditAction.READ,
        what="watch-list",
        outcome=AuditOutcome.SUCCESS,
        purpose=Purpose.COORDINATION,
        detail={"count": len(rows)},
    )
    template = "watch_list.html"
    if request.headers.get("HX-Request"):
        template = "_watch_rows.html"  # the live refresh of the table only
    return render(
        request,
        f"transitions/aftercare/{template}",
        {
            "rows": rows,
            "organisations": selectors.care_organisations(user),
            "end_form": WatchEndForm(),
        },
    )


def _page(
    request: HttpRequest, access: PatientAccess, status: int = 200, **forms: Any
) -> HttpResponse:
    context: dict[str, Any] = {
        "access": access,
        "patient": access.patient,
        "followup": selectors.patient_followup(access),
        "contact_form": ContactForm(),
        "refusal_form": RefusalForm(
            organisation_ids=selectors.refusal_service_organisation_ids(access)
        ),
        "reactivate_form": ReactivateForm(),
        "end_form": WatchEndForm(),
        "watch_form": WatchStartForm(organisations=selectors.watch_organisations(access)),
    }
    context.update(forms)
    return render(request, "transitions/aftercare/patient.html", context, status=status)


@login_required
def patient_followup(request: HttpRequest, pk: int) -> HttpResponse:
    access = patient_access_or_404(request, pk, purpose=Purpose.COORDINATION, what="follow-up")
    return _page(request, access)


def _post(request: HttpRequest, pk: int, what: str) -> PatientAccess:
    return patient_access_or_404(
        request, pk, purpose=Purpose.COORDINATION, what=what, action=AuditAction.UPDATE
    )


def _back(request: HttpRequest, pk: int) -> HttpResponse:
    if request.POST.get("next") == "watch":
        return redirect("followup:watch_list")
    return redirect("followup:patient", pk=pk)


@login_required
@require_POST
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    access = _post(request, pk, "contact")
    form = ContactForm(request.POST)
    chosen = request.POST.get("organisation", "")
    organisation = next(
        (o for o in selectors.care_organisations(access.user) if str(o.pk) == chosen), None
    )
    if form.is_valid():
        try:
            actions.contact_record(access=access, organisation=organisation, **form.cleaned_data)
        except actions.AftercareError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Contact recorded."))
            return _back(request, pk)
    return _page(request, access, status=400, contact_form=form)


@login_required
@require_POST
def refusal_add(request: HttpRequest, pk: int) -> HttpResponse:
    access = _post(request, pk, "refusal")
    form = RefusalForm(
        request.POST, organisation_ids=selectors.refusal_service_organisation_ids(access)
    )
    if form.is_valid():
        try:
            actions.refusal_record(access=access, **form.cleaned_data)
        except actions.AftercareError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Refusal recorded."))
            return _back(request, pk)
    return _page(request, access, status=400, refusal_form=form)


@login_required
@require_POST
def watch_start(request: HttpRequest, pk: int) -> HttpResponse:
    access = _post(request, pk, "watch")
    form = WatchStartForm(request.POST, organisations=selectors.watch_organisations(access))
    if form.is_valid():
        try:
            actions.watch_start(access=access, **form.cleaned_data)
        except actions.AftercareError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The patient is on the watch list."))
            return _back(request, pk)
    return _page(request, access, status=400, watch_form=form)


def _entry_patient(entry_id: int) -> int:
    patient_id = WatchEntry.objects.filter(pk=entry_id).values_list("patient_id", flat=True).first()
    if patient_id is None:
        raise Http404(_("No patient found."))
    return patient_id


@login_required
@require_POST
def watch_end(request: HttpRequest, entry_id: int) -> HttpResponse:
    pk = _entry_patient(entry_id)
    access = _post(request, pk, "watch-end")
    form = WatchEndForm(request.POST)
    if form.is_valid():
        try:
            actions.watch_end(access=access, entry_id=entry_id, **form.cleaned_data)
        except actions.AftercareError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The watch has ended."))
            return _back(request, pk)
    return _page(request, access, status=400, end_form=form)


@login_required
@require_POST
def watch_reactivate(request: HttpRequest, entry_id: int) -> HttpResponse:
    pk = _entry_patient(entry_id)
    access = _post(request, pk, "help-reactivated")
    form = ReactivateForm(request.POST)
    if form.is_valid():
        try:
            actions.watch_reactivate_help(access=access, entry_id=entry_id, **form.cleaned_data)
        except actions.AftercareError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Reactivated help recorded; the referents are told."))
            return _back(request, pk)
    return _page(request, access, status=400, reactivate_form=form)
