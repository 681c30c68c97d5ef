"""The liaison letter page of a stay: edit the draft, preview each recipient's view, send it with
a deadline, follow the versions sent; and the printable plain-language copy for the patient.

Thin: access through `parcours.transitions.selectors.access_stay` (which goes through
`parcours.patients.access`), writes through `parcours.transitions.letter_actions`. Only the
hospital team of the stay opens these pages; the circle reads its copies as transmissions.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from parcours.audit.models import AuditAction
from parcours.messaging.models import TransmissionRecipient
from parcours.messaging.transmission_actions import TransmissionError
from parcours.patients.access import PatientAccess, PatientNotFound, Purpose
from parcours.patients.models import CircleMember
from parcours.transitions import selectors
from parcours.transitions.actions import StayError
from parcours.transitions.forms import DATETIME_FORMATS, DATETIME_WIDGET
from parcours.transitions.letter import PATIENT, letter_source, patient_copy
from parcours.transitions.letter_actions import (
    letter_recipients,
    liaison_letter_draft_save,
    liaison_letter_patient_hand_over,
    liaison_letter_send,
)
from parcours.transitions.letter_models import LetterDraft, LiaisonLetter
from parcours.transitions.models import Stay

TEXTAREA = forms.Textarea(attrs={"rows": 4})


class LetterDraftForm(forms.ModelForm):
    class Meta:
        model = LetterDraft
        fields = [
            "reason",
            "care_instructions",
            "medication_changes",
            "non_medical_notes",
            "plain_summary",
        ]
        widgets = {name: TEXTAREA for name in fields}


class LetterSendForm(forms.Form):
    acknowledge_by = forms.DateTimeField(
        label=_("To acknowledge by"), widget=DATETIME_WIDGET, input_formats=DATETIME_FORMATS
    )
    recipients = forms.MultipleChoiceField(
        label=_("Recipients"), widget=forms.CheckboxSelectMultiple, required=True
    )
    include_patient = forms.BooleanField(
        label=_("Prepare the patient's own copy to print and hand over"),
        required=False,
        initial=True,
    )


class HandOverForm(forms.Form):
    note = forms.CharField(
        label=_("How the letter was handed over and confirmed"),
        max_length=500,
        widget=forms.TextInput,
    )


def _stay(request: HttpRequest, pk: int, *, write: bool = False) -> tuple[Stay, PatientAccess]:
    try:
        stay, access = selectors.access_stay(
            request.user,
            pk,
            purpose=Purpose.TREATMENT,
            action=AuditAction.UPDATE if write else AuditAction.READ,
            what="liaison-letter",
        )
    except PatientNotFound as exc:
        raise Http404(gettext("No stay found.")) from exc
    if not selectors.is_stay_team(access.user, stay):
        raise Http404(gettext("No stay found."))
    return stay, access


def _versions(stay: Stay, version: int | None = None) -> list[dict[str, Any]]:
    queryset = stay.liaison_letters.select_related(
        "transmission", "sent_by", "patient_handed_over_by"
    ).order_by("-version")
    if version is not None:
        queryset = queryset.filter(version=version)
    letters = list(queryset)
    copies: dict[int, list[TransmissionRecipient]] = {}
    for copy in TransmissionRecipient.objects.filter(
        transmission_id__in=[letter.transmission_id for letter in letters if letter.transmission_id]
    ).select_related("circle_member__professional", "circle_member__service", "user"):
        copies.setdefault(copy.transmission_id, []).append(copy)
    return [
        {"letter": letter, "copies": copies.get(letter.transmission_id or 0, [])}
        for letter in letters
    ]


def _context(
    request: HttpRequest,
    stay: Stay,
    access: PatientAccess,
    *,
    draft_form: LetterDraftForm | None = None,
    send_form: LetterSendForm | None = None,
) -> dict[str, Any]:
    draft = LetterDraft.objects.filter(stay=stay).first()
    source = letter_source(stay, draft)
    source, recipients = letter_recipients(access, stay, source)
    own = patient_copy(source, stay.patient)
    previews = [own, *recipients]
    chosen_key = request.GET.get("preview", PATIENT)
    chosen = next((p for p in previews if p.key == chosen_key), own)
    receivable = [r for r in recipients if r.can_receive]
    if send_form is None:
        deadline = stay.expected_discharge_at or (timezone.now() + timedelta(days=1))
        if deadline <= timezone.now():
            deadline = timezone.now() + timedelta(days=1)
        send_form = LetterSendForm(
            initial={
                "acknowledge_by": timezone.localtime(deadline).replace(second=0, microsecond=0),
                "recipients": [r.key for r in receivable],
                "include_patient": True,
            }
        )
    send_form.fields["recipients"].choices = [  # type: ignore[attr-defined]
        (r.key, f"{r.name} · {r.role_label} · {r.view.label if r.view else ''} ({r.language})")
        for r in receivable
    ]
    return {
        "stay": stay,
        "patient": stay.patient,
        "access": access,
        "draft": draft,
        "draft_form": draft_form or LetterDraftForm(instance=draft),
        "send_form": send_form,
        "previews": previews,
        "preview": chosen,
        "refused": [r for r in recipients if not r.can_receive],
        "versions": _versions(stay),
        "hand_over_form": HandOverForm(),
        "live_topic": f"stay-{stay.pk}",
    }


def _page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, "transitions/letter/page.html", context, status=status)


@login_required
def letter_page(request: HttpRequest, pk: int) -> HttpResponse:
    stay, access = _stay(request, pk)
    return _page(request, _context(request, stay, access))


def _back(stay: Stay) -> HttpResponse:
    return redirect(reverse("transitions:letter:page", args=[stay.pk]))


@login_required
@require_POST
def letter_draft(request: HttpRequest, pk: int) -> HttpResponse:
    stay, access = _stay(request, pk, write=True)
    draft = LetterDraft.objects.filter(stay=stay).first()
    form = LetterDraftForm(request.POST, instance=draft)
    if not form.is_valid():
        return _page(request, _context(request, stay, access, draft_form=form), status=400)
    try:
        liaison_letter_draft_save(access=access, stay=stay, **form.cleaned_data)
    except StayError as exc:
        messages.error(request, str(exc.message))
        return _back(stay)
    messages.success(request, gettext("The letter's draft is saved."))
    return _back(stay)


@login_required
@require_POST
def letter_send(request: HttpRequest, pk: int) -> HttpResponse:
    stay, access = _stay(request, pk, write=True)
    form = LetterSendForm(request.POST)
    _source, recipients = letter_recipients(access, stay)
    form.fields["recipients"].choices = [  # type: ignore[attr-defined]
        (r.key, r.name) for r in recipients if r.can_receive
    ]
    if not form.is_valid():
        return _page(request, _context(request, stay, access, send_form=form), status=400)
    chosen = [int(key) for key in form.cleaned_data["recipients"]]
    members = list(CircleMember.objects.filter(patient=stay.patient, pk__in=chosen))
    try:
        letter = liaison_letter_send(
            access=access,
            stay=stay,
            acknowledge_by=form.cleaned_data["acknowledge_by"],
            recipients=members,
            include_patient=form.cleaned_data["include_patient"],
        )
    except (TransmissionError, StayError) as exc:
        form.add_error(None, str(exc.message))
        return _page(request, _context(request, stay, access, send_form=form), status=400)
    messages.success(
        request,
        gettext("Version %(version)d of the letter was sent to %(count)d recipients.")
        % {"version": letter.version, "count": len(members)},
    )
    return _back(stay)


def _letter(stay: Stay, version: int) -> LiaisonLetter:
    letter = stay.liaison_letters.filter(version=version).first()
    if letter is None:
        raise Http404(gettext("No letter found."))
    return letter


@login_required
def letter_version(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    """One version's recipients and their states (refreshed live as they acknowledge)."""
    stay, _access = _stay(request, pk)
    rows = _versions(stay, version)
    if not rows:
        raise Http404(gettext("No letter found."))
    return render(
        request,
        "transitions/letter/_version.html",
        {"stay": stay, "patient": stay.patient, "row": rows[0], "hand_over_form": HandOverForm()},
    )


@login_required
def letter_patient_copy(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    stay, _access = _stay(request, pk)
    letter = _letter(stay, version)
    if not letter.patient_body:
        raise Http404(gettext("No letter found."))
    return render(
        request,
        "transitions/letter/patient_copy.html",
        {"stay": stay, "letter": letter, "patient": stay.patient},
    )


@login_required
@require_POST
def letter_hand_over(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    stay, access = _stay(request, pk, write=True)
    letter = _letter(stay, version)
    form = HandOverForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Say how the letter was handed over and confirmed."))
        return _back(stay)
    try:
        liaison_letter_patient_hand_over(
            access=access, letter=letter, note=form.cleaned_data["note"]
        )
    except StayError as exc:
        messages.error(request, str(exc.message))
        return _back(stay)
    messages.success(request, gettext("The hand-over to the patient is recorded."))
    return _back(stay)
