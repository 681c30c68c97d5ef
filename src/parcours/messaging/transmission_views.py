"""Transmission pages: the recipient's inbox and page, the sender's follow-up, the patient's
block and the form to send one. Thin: access through `parcours.patients.access`, one action."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcours.accounts.http import request_user
from parcours.audit.models import AuditAction
from parcours.messaging import transmission_selectors as selectors
from parcours.messaging.models import Transmission, TransmissionRecipient
from parcours.messaging.transmission_actions import (
    Delivery,
    NotARecipient,
    TransmissionError,
    follow_topic,
    transmission_acknowledge,
    transmission_mark_read,
    transmission_send,
)
from parcours.messaging.transmission_forms import HandOverForm, TransmissionForm
from parcours.patients.access import PatientAccess, PatientNotFound, Purpose, access_patient


def _not_found() -> Http404:
    return Http404(_("No transmission found."))


def _transmission(pk: int) -> Transmission:
    transmission = (
        Transmission.objects.select_related("patient", "sender", "sender_organisation")
        .filter(pk=pk)
        .first()
    )
    if transmission is None:
        raise _not_found()
    return transmission


def _access(request: HttpRequest, patient_id: int, **kwargs: object) -> PatientAccess:
    try:
        return access_patient(request.user, patient_id, **kwargs)  # type: ignore[arg-type]
    except PatientNotFound as exc:
        raise _not_found() from exc


def _htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    context = {
        "copies": list(selectors.to_acknowledge(user)[:100]),
        "count": selectors.to_acknowledge_count(user),
    }
    if _htmx(request):
        return render(request, "messaging/transmissions/_inbox_list.html", context)
    return render(request, "messaging/transmissions/inbox.html", context)


@login_required
def sent(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "messaging/transmissions/sent.html",
        {"transmissions": list(selectors.sent_by(request_user(request))[:100])},
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The recipient's page: reading it marks it read."""
    user = request_user(request)
    transmission = _transmission(pk)
    copies = selectors.copies_for(user, transmission)
    if not copies:
        if transmission.sender_id == user.pk:
            return redirect("transmissions:follow", pk=pk)
        raise _not_found()
    access = _access(
        request, transmission.patient_id, purpose=Purpose.TREATMENT, what="transmission"
    )
    for copy in copies:
        transmission_mark_read(access=access, recipient=copy)
        copy.refresh_from_db()
    return render(
        request,
        "messaging/transmissions/detail.html",
        {"transmission": transmission, "copies": copies, "patient": access.patient},
    )


def _copy(transmission: Transmission, recipient_id: int) -> TransmissionRecipient:
    copy = (
        TransmissionRecipient.objects.select_related("transmission", "circle_member")
        .filter(pk=recipient_id, transmission=transmission)
        .first()
    )
    if copy is None:
        raise _not_found()
    return copy


@login_required
@require_POST
def acknowledge(request: HttpRequest, pk: int, recipient_id: int) -> HttpResponse:
    transmission = _transmission(pk)
    copy = _copy(transmission, recipient_id)
    if not selectors.is_account_of(request_user(request), copy):
        raise _not_found()
    access = _access(
        request,
        transmission.patient_id,
        purpose=Purpose.TREATMENT,
        action=AuditAction.UPDATE,
        what="transmission",
    )
    try:
        copy = transmission_acknowledge(
            access=access, recipient=copy, note=request.POST.get("note", "")
        )
    except NotARecipient as exc:
        raise _not_found() from exc
    if _htmx(request):
        return render(request, "messaging/transmissions/_acknowledge.html", {"copy": copy})
    messages.success(request, _("Acknowledged. The sender sees it now."))
    return redirect("transmissions:detail", pk=pk)


def _follow_access(request: HttpRequest, transmission: Transmission) -> PatientAccess:
    access = _access(request, transmission.patient_id, purpose=Purpose.COORDINATION)
    if not selectors.can_follow(access, transmission):
        raise _not_found()
    return access


@login_required
def follow(request: HttpRequest, pk: int) -> HttpResponse:
    """The sender's view: each recipient's state, live."""
    transmission = _transmission(pk)
    access = _follow_access(request, transmission)
    context = {
        "transmission": transmission,
        "rows": selectors.follow_rows(transmission),
        "patient": access.patient,
        "is_sender": transmission.sender_id == access.user.pk,
        "live_topic": follow_topic(transmission.pk),
        "hand_over_form": HandOverForm(),
    }
    if _htmx(request):
        return render(request, "messaging/transmissions/_follow_table.html", context)
    return render(request, "messaging/transmissions/follow.html", context)


@login_required
@require_POST
def hand_over(request: HttpRequest, pk: int, recipient_id: int) -> HttpResponse:
    transmission = _transmission(pk)
    access = _follow_access(request, transmission)
    copy = _copy(transmission, recipient_id)
    form = HandOverForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say how the content was handed over and confirmed."))
        return redirect("transmissions:follow", pk=pk)
    try:
        transmission_acknowledge(
            access=access, recipient=copy, note=form.cleaned_data["note"], on_behalf=True
        )
    except TransmissionError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Hand-over recorded."))
    return redirect("transmissions:follow", pk=pk)


@login_required
def patient_block(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The patient page's list of transmissions (loaded by htmx)."""
    access = _access(request, patient_id, purpose=Purpose.TREATMENT, what="transmissions")
    transmissions = selectors.for_patient(access)
    mine = set(
        TransmissionRecipient.objects.filter(transmission__in=transmissions)
        .filter(selectors.addressed_to(access.user))
        .values_list("transmission_id", flat=True)
    )
    return render(
        request,
        "messaging/transmissions/_patient_block.html",
        {
            "access": access,
            "patient": access.patient,
            "transmissions": [
                (t, t.pk in mine, selectors.can_follow(access, t)) for t in transmissions
            ],
        },
    )


@login_required
def send(request: HttpRequest, patient_id: int) -> HttpResponse:
    access = _access(request, patient_id, purpose=Purpose.COORDINATION, what="transmission")
    options = [
        option
        for option in selectors.recipient_options(access)
        if option.accounts != (access.user,)
    ]
    form = TransmissionForm(request.POST or None, options=options)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        deliveries = [
            Delivery(circle_member=form.options[key].member, body=data["body"])
            for key in data["recipients"]
        ]
        try:
            transmission = transmission_send(
                access=access,
                kind=data["kind"],
                subject=data["subject"],
                deliveries=deliveries,
                acknowledge_by=data["acknowledge_by"],
            )
        except TransmissionError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Transmission sent."))
            return redirect("transmissions:follow", pk=transmission.pk)
    return render(
        request,
        "messaging/transmissions/send.html",
        {
            "form": form,
            "patient": access.patient,
            "access": access,
            "refused": [option for option in options if not option.can_receive],
        },
    )
