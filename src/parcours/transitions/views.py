"""Stay pages (admission, timeline, plan, screenings, discharge) and protocol configuration.

Thin views: every stay is reached through `selectors.access_stay` (patients.access, audited;
unknown and refused give the same 404), every change goes through one action.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcours.accounts.http import request_user
from parcours.audit.models import AuditAction
from parcours.directory.models import Organisation, OrganisationType
from parcours.patients.access import PatientAccess, PatientNotFound, Purpose, actor_of
from parcours.transitions import actions, protocols, selectors
from parcours.transitions.forms import (
    DischargeForm,
    ExpectedDischargeForm,
    PlanItemForm,
    ProtocolForm,
    ReferentForm,
    ScheduleForm,
    TriggerForm,
    screening_form,
)
from parcours.transitions.models import (
    LiaisonProtocol,
    PlanItem,
    PlanItemStatus,
    ProtocolItem,
    ScreeningTrigger,
    Stay,
)
from parcours.transitions.screening import INSTRUMENTS, IncompleteAnswers


def _stay(request: HttpRequest, pk: int, *, write: bool = False) -> tuple[Stay, PatientAccess]:
    try:
        return selectors.access_stay(
            request.user,
            pk,
            purpose=Purpose.TREATMENT,
            action=AuditAction.UPDATE if write else AuditAction.READ,
        )
    except PatientNotFound as exc:
        raise Http404(_("No stay found.")) from exc


def _stay_context(request: HttpRequest, stay: Stay, access: PatientAccess) -> dict[str, Any]:
    is_team = selectors.is_stay_team(access.user, stay)
    items = selectors.plan_items(stay)
    instrument_code = request.GET.get("instrument", "")
    instrument = INSTRUMENTS.get(instrument_code)
    return {
        "stay": stay,
        "access": access,
        "patient": access.patient,
        "is_team": is_team,
        "shows_medical": access.shows_medical,
        "events": selectors.stay_events(stay),
        "before_items": [i for i in items if i.phase == "before_discharge"],
        "after_items": [i for i in items if i.phase == "after_discharge"],
        "editable_items": {
            item.pk
            for item in items
            if is_team or access.can_manage or selectors.can_update_item(access, stay, item)
        },
        "statuses": PlanItemStatus,
        "screenings": selectors.screenings(stay) if access.shows_medical else [],
        "instruments": list(INSTRUMENTS.values()),
        "instrument": instrument,
        "screening_form": screening_form(instrument) if instrument else None,
        "referent_form": ReferentForm(
            initial={"referent": stay.referent_id},
            candidates=selectors.referent_candidates(stay),
        ),
        "expected_form": ExpectedDischargeForm(
            initial={
                "expected_discharge_at": timezone.localtime(stay.expected_discharge_at)
                if stay.expected_discharge_at
                else None
            }
        ),
        "discharge_form": DischargeForm(
            initial={"discharged_at": timezone.localtime().replace(second=0, microsecond=0)}
        ),
        "item_form": PlanItemForm(),
    }


@login_required
def stay_detail(request: HttpRequest, pk: int) -> HttpResponse:
    stay, access = _stay(request, pk)
    return render(request, "transitions/stay.html", _stay_context(request, stay, access))


def _fail(request: HttpRequest, exc: actions.StayError) -> HttpResponse | None:
    if isinstance(exc, actions.StayForbidden):
        return HttpResponseForbidden(str(exc.message))
    messages.error(request, str(exc.message))
    return None


@login_required
@require_POST
def stay_referent(request: HttpRequest, pk: int) -> HttpResponse:
    stay, access = _stay(request, pk, write=True)
    form = ReferentForm(request.POST, candidates=selectors.referent_candidates(stay))
    if form.is_valid():
        try:
            actions.stay_referent_assign(
                access=access, stay=stay, referent=form.cleaned_data["referent"]
            )
        except actions.StayError as exc:
            if (response := _fail(request, exc)) is not None:
                return response
        else:
            messages.success(request, _("Referent saved."))
    else:
        messages.error(request, _("Choose a member of the hospital team."))
    return redirect("transitions:stay", pk=stay.pk)


@login_required
@require_POST
def stay_expected_discharge(request: HttpRequest, pk: int) -> HttpResponse:
    stay, access = _stay(request, pk, write=True)
    if not selectors.is_stay_team(access.user, stay):
        return HttpResponseForbidden(_("Only the hospital team of this stay can do this."))
    form = ExpectedDischargeForm(request.POST)
    if form.is_valid():
        try:
            actions.stay_expected_discharge_set(
                stay=stay,
                expected_discharge_at=form.cleaned_data["expected_discharge_at"],
                actor=access.actor,
            )
        except actions.StayError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Expected discharge saved."))
    else:
        messages.error(request, _("Give a valid date and time."))
    return redirect("transitions:stay", pk=stay.pk)


@login_required
@require_POST
def stay_discharge(request: HttpRequest, pk: int) -> HttpResponse:
    stay, access = _stay(request, pk, write=True)
    if not selectors.is_stay_team(access.user, stay):
        return HttpResponseForbidden(_("Only the hospital team of this stay can do this."))
    form = DischargeForm(request.POST)
    if form.is_valid():
        try:
            actions.stay_discharge(
                stay=stay,
                actor=access.actor,
                discharged_at=form.cleaned_data["discharged_at"],
                destination=form.cleaned_data["destination"],
            )
        except actions.StayError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Discharge recorded; the follow-up items are planned."))
    else:
        messages.error(request, _("Give the discharge date and the destination."))
    return redirect("transitions:stay", pk=stay.pk)


@login_required
@require_POST
def plan_item_status(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    stay, access = _stay(request, pk, write=True)
    item = get_object_or_404(PlanItem, pk=item_id, stay=stay)
    status = request.POST.get("status", "")
    try:
        item = actions.stay_plan_item_set_status(
            access=access, item=item, status=status, note=request.POST.get("note")
        )
    except actions.StayError as exc:
        if isinstance(exc, actions.StayForbidden):
            return HttpResponseForbidden(str(exc.message))
        return HttpResponse(str(exc.message), status=422)
    if request.headers.get("HX-Request"):
        return render(
            request,
            "transitions/_plan_item.html",
            {"item": item, "stay": stay, "editable": True, "statuses": PlanItemStatus},
        )
    return redirect("transitions:stay", pk=stay.pk)


@login_required
@require_POST
def plan_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    stay, access = _stay(request, pk, write=True)
    form = PlanItemForm(request.POST)
    if form.is_valid():
        try:
            actions.stay_plan_item_add(
                access=access,
                stay=stay,
                label=form.cleaned_data["label"],
                phase=form.cleaned_data["phase"],
                due_at=form.cleaned_data["due_at"],
                responsible_role=form.cleaned_data["responsible_role"],
            )
        except actions.StayError as exc:
            if (response := _fail(request, exc)) is not None:
                return response
        else:
            messages.success(request, _("Item added to the plan."))
    else:
        messages.error(request, _("Write what has to be done."))
    return redirect("transitions:stay", pk=stay.pk)


@login_required
def screening_new(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    stay, access = _stay(request, pk, write=request.method == "POST")
    instrument = INSTRUMENTS.get(code)
    if instrument is None:
        raise Http404(_("No such screening instrument."))
    if not selectors.is_stay_team(access.user, stay):
        return HttpResponseForbidden(_("Only the hospital team of this stay can do this."))
    form = screening_form(instrument, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            record, created = actions.screening_record(
                access=access, stay=stay, instrument=code, answers=form.cleaned_data
            )
        except IncompleteAnswers as exc:
            form.add_error(None, exc.message)
        except actions.StayError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _("%(instrument)s recorded: score %(score)s, %(band)s. Items added: %(count)d.")
                % {
                    "instrument": instrument.name,
                    "score": record.score_display,
                    "band": instrument.band(record.band).label,
                    "count": len(created),
                },
            )
            return redirect("transitions:stay", pk=stay.pk)
    return render(
        request,
        "transitions/screening_form.html",
        {
            "stay": stay,
            "access": access,
            "patient": access.patient,
            "instrument": instrument,
            "form": form,
        },
    )


# --- protocol configuration ---------------------------------------------------------------


def _hospital(request: HttpRequest, hospital_id: int) -> Organisation:
    hospital = get_object_or_404(Organisation, pk=hospital_id, type=OrganisationType.HOSPITAL)
    if not protocols.can_configure(request_user(request), hospital):
        raise Http404(_("No hospital found."))
    return hospital


@login_required
def protocol_hospitals(request: HttpRequest) -> HttpResponse:
    hospitals = selectors.administered_hospitals(request_user(request))
    if len(hospitals) == 1:
        return redirect("transitions:protocols", hospital_id=hospitals[0].pk)
    return render(request, "transitions/protocol_hospitals.html", {"hospitals": hospitals})


def _protocol_context(hospital: Organisation) -> dict[str, Any]:
    wards = Organisation.objects.filter(parent=hospital).order_by("code")
    protocol_list = list(
        LiaisonProtocol.objects.filter(hospital=hospital)
        .select_related("ward")
        .prefetch_related("items")
        .order_by("-active", "ward_id", "name")
    )
    return {
        "hospital": hospital,
        "protocols": protocol_list,
        "triggers": list(
            ScreeningTrigger.objects.filter(hospital=hospital)
            .select_related("ward")
            .order_by("instrument", "order", "pk")
        ),
        "protocol_form": ProtocolForm(wards=wards),
        "instruments": INSTRUMENTS,
    }


@login_required
def protocol_config(request: HttpRequest, hospital_id: int) -> HttpResponse:
    hospital = _hospital(request, hospital_id)
    return render(request, "transitions/protocols.html", _protocol_context(hospital))


@login_required
@require_POST
def protocol_create(request: HttpRequest, hospital_id: int) -> HttpResponse:
    hospital = _hospital(request, hospital_id)
    form = ProtocolForm(request.POST, wards=Organisation.objects.filter(parent=hospital))
    if form.is_valid():
        try:
            if request.POST.get("default"):
                protocols.liaison_protocol_install_default(
                    hospital=hospital,
                    ward=form.cleaned_data["ward"],
                    name=form.cleaned_data["name"],
                    actor=actor_of(request.user),
                    with_triggers=not ScreeningTrigger.objects.filter(hospital=hospital).exists(),
                )
            else:
                protocols.liaison_protocol_create(
                    hospital=hospital,
                    ward=form.cleaned_data["ward"],
                    name=form.cleaned_data["name"],
                    actor=actor_of(request.user),
                )
        except protocols.ProtocolError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Protocol created."))
    else:
        messages.error(request, _("Give the protocol a name."))
    return redirect("transitions:protocols", hospital_id=hospital.pk)


def _schedule(form: ScheduleForm) -> protocols.ScheduleInput:
    data = form.cleaned_data
    return protocols.ScheduleInput(
        label=form.label(),
        anchor=data["anchor"],
        offset_days=data["offset_days"],
        phase=data["phase"],
        responsible_role=data["responsible_role"],
        code=data["code"],
        order=data["order"],
    )


@login_required
def protocol_item_edit(
    request: HttpRequest, hospital_id: int, protocol_id: int, item_id: int | None = None
) -> HttpResponse:
    hospital = _hospital(request, hospital_id)
    protocol = get_object_or_404(LiaisonProtocol, pk=protocol_id, hospital=hospital)
    item = get_object_or_404(ProtocolItem, pk=item_id, protocol=protocol) if item_id else None
    initial: dict[str, Any] = {}
    if item is not None:
        initial = {
            **{f"label_{lang}": item.label.get(lang, "") for lang in ("fr", "nl", "en")},
            "code": item.code,
            "responsible_role": item.responsible_role,
            "anchor": item.anchor,
            "offset_days": item.offset_days,
            "phase": item.phase,
            "order": item.order,
        }
    form = ScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if request.POST.get("remove") and item is not None:
            protocols.protocol_item_remove(item=item, actor=actor_of(request.user))
            messages.success(request, _("Item removed."))
            return redirect("transitions:protocols", hospital_id=hospital.pk)
        if form.is_valid():
            try:
                protocols.protocol_item_save(
                    protocol=protocol, data=_schedule(form), actor=actor_of(request.user), item=item
                )
            except protocols.ProtocolError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Item saved."))
                return redirect("transitions:protocols", hospital_id=hospital.pk)
    return render(
        request,
        "transitions/protocol_item.html",
        {"hospital": hospital, "protocol": protocol, "item": item, "form": form},
    )


@login_required
def trigger_edit(
    request: HttpRequest, hospital_id: int, trigger_id: int | None = None
) -> HttpResponse:
    hospital = _hospital(request, hospital_id)
    trigger = (
        get_object_or_404(ScreeningTrigger, pk=trigger_id, hospital=hospital)
        if trigger_id
        else None
    )
    initial: dict[str, Any] = {}
    if trigger is not None:
        initial = {
            **{f"label_{lang}": trigger.label.get(lang, "") for lang in ("fr", "nl", "en")},
            "code": trigger.code,
            "responsible_role": trigger.responsible_role,
            "anchor": trigger.anchor,
            "offset_days": trigger.offset_days,
            "phase": trigger.phase,
            "order": trigger.order,
            "instrument": trigger.instrument,
            "condition": trigger.condition,
            "ward": trigger.ward_id,
        }
    wards = Organisation.objects.filter(parent=hospital).order_by("code")
    form = TriggerForm(request.POST or None, initial=initial, wards=wards)
    if request.method == "POST":
        if request.POST.get("remove") and trigger is not None:
            protocols.screening_trigger_remove(trigger=trigger, actor=actor_of(request.user))
            messages.success(request, _("Trigger removed."))
            return redirect("transitions:protocols", hospital_id=hospital.pk)
        if form.is_valid():
            try:
                protocols.screening_trigger_save(
                    hospital=hospital,
                    ward=form.cleaned_data["ward"],
                    instrument=form.cleaned_data["instrument"],
                    condition=form.cleaned_data["condition"],
                    data=_schedule(form),
                    actor=actor_of(request.user),
                    trigger=trigger,
                )
            except protocols.ProtocolError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Trigger saved."))
                return redirect("transitions:protocols", hospital_id=hospital.pk)
    return render(
        request,
        "transitions/trigger.html",
        {"hospital": hospital, "trigger": trigger, "form": form},
    )
