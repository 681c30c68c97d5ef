"""The liaison letter: one source composed from the stay, several recipient views.

`letter_source(stay)` gathers once what the letter can say: the admission, the ward, the
admitting physician, the nurse's draft (reason, care instructions, medication changes,
practical notes, plain-language summary), the latest screening of each instrument, the plan and
follow-up items with their owners and due dates, and the circle with the hospital referent.

`render_view(source, view, language=...)` writes one recipient's plain-text body, in that
recipient's language, with only what the view shows:

- `gp`: everything;
- `nurse`: care instructions, medication changes and the practical follow-up (no diagnosis, no
  screening scores);
- `social`: non-medical information only (no diagnosis, no medication, no score, no care item);
- `plain`: plain language for the patient and their family; care instructions and medication
  changes only for people allowed to see care information.

The view follows the member's role, capped by what the member may see (`CircleMember.visibility`):
a member who sees only non-medical information never gets medical content, whatever the role.
The patient is named as they state it (name, pronouns, gender identity); the administrative sex
is never used. Writes are in `parcours.transitions.letter_actions`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from parcours.accounts.models import Role
from parcours.i18n import localized
from parcours.patients.models import CircleMember, Exclusion, MemberRole, Visibility
from parcours.transitions.calendar import TIME_ZONES
from parcours.transitions.letter_models import LetterDraft
from parcours.transitions.models import (
    Destination,
    Phase,
    PlanItem,
    PlanItemStatus,
    ScreeningRecord,
    Stay,
)
from parcours.transitions.screening import INSTRUMENTS

GP, NURSE, SOCIAL, PLAIN = "gp", "nurse", "social", "plain"
PATIENT = "patient"  # the preview key of the patient's own copy

VIEW_LABELS: Mapping[str, Any] = {
    GP: _("GP: full letter"),
    NURSE: _("Home nurse: care instructions and medication changes"),
    SOCIAL: _("Home help and social services: non-medical information"),
    PLAIN: _("Patient and family: plain language"),
}

# The view each role of the circle gets before the member's visibility caps it.
ROLE_VIEWS: Mapping[str, str] = {
    MemberRole.GP: GP,
    MemberRole.HOSPITAL_REFERENT: GP,
    MemberRole.HOME_NURSE: NURSE,
    MemberRole.PHARMACIST: NURSE,
    MemberRole.PHYSIOTHERAPIST: NURSE,
    MemberRole.HOME_CARE_COORDINATION: NURSE,
    MemberRole.CASE_MANAGER: NURSE,
    MemberRole.MENTAL_HEALTH_TEAM: NURSE,
    MemberRole.OTHER_PROFESSIONAL: NURSE,
    MemberRole.HOME_HELP: SOCIAL,
    MemberRole.SOCIAL_WORKER: SOCIAL,
    MemberRole.HEALTH_MEDIATOR: SOCIAL,
    MemberRole.CAREGIVER: PLAIN,
    MemberRole.TRUSTED_PERSON: PLAIN,
    MemberRole.LEGAL_REPRESENTATIVE: PLAIN,
}

# Roles whose tasks are practical, not medical: the only plan items a non-medical view lists.
NON_MEDICAL_ROLES = frozenset(
    {
        Role.HOME_CARE_COORDINATOR,
        Role.SOCIAL_WORKER,
        Role.HOSPITAL_SOCIAL_WORKER,
        Role.HEALTH_MEDIATOR,
        Role.CARE_AREA_COORDINATOR,
    }
)

ICOPE_DOMAINS: Mapping[str, Any] = {
    "cognition": _("cognition"),
    "mobility": _("mobility"),
    "nutrition": _("nutrition"),
    "vision": _("vision"),
    "hearing": _("hearing"),
    "depression": _("mood"),
}

DATE_TIME = "l j F Y, H:i"
DATE = "l j F Y"


@dataclass(frozen=True)
class ViewChoice:
    """The view a recipient gets, and whether it may carry care information (plain view)."""

    code: str
    medical: bool

    @property
    def label(self) -> str:
        return str(VIEW_LABELS[self.code])


def view_for(member: CircleMember) -> ViewChoice | None:
    """The member's view: from the role, capped by the member's visibility. None: nothing."""
    if member.visibility == Visibility.NONE:
        return None
    rank = Visibility.rank(member.visibility)
    wanted = ROLE_VIEWS.get(member.role, SOCIAL)
    if wanted == PLAIN:
        return ViewChoice(PLAIN, medical=rank >= Visibility.rank(Visibility.CARE_INSTRUCTIONS))
    if rank >= Visibility.rank(Visibility.FULL):
        return ViewChoice(wanted, medical=wanted != SOCIAL)
    if rank >= Visibility.rank(Visibility.CARE_INSTRUCTIONS):
        code = NURSE if wanted == GP else wanted
        return ViewChoice(code, medical=code != SOCIAL)
    return ViewChoice(SOCIAL, medical=False)


PATIENT_VIEW = ViewChoice(PLAIN, medical=True)


@dataclass(frozen=True)
class ScreeningLine:
    instrument: str
    name: Any
    score: str
    band: Any
    positive: bool
    validated: bool
    findings: tuple[Any, ...]
    recorded_at: datetime


@dataclass(frozen=True)
class ItemLine:
    label: Mapping[str, str]
    code: str
    phase: str
    status: str
    due_at: datetime | None
    owner: str
    responsible_role: str
    medical: bool

    @property
    def is_open(self) -> bool:
        return self.status == PlanItemStatus.TODO


@dataclass(frozen=True)
class ContactLine:
    member: CircleMember
    role: str
    phone: str
    is_referent: bool


@dataclass(frozen=True)
class LetterSource:
    """Everything the letter can say about one stay; views choose from it."""

    stay_id: int
    patient_name: str
    pronouns: str
    gender_identity: str
    age: int | None
    hospital: Mapping[str, str]
    ward: Mapping[str, str]
    hospital_phone: str
    time_zone: str
    admitted_at: datetime
    expected_discharge_at: datetime | None
    discharged_at: datetime | None
    destination: str
    admitting_physician: str
    referent_name: str
    reason: str = ""
    care_instructions: str = ""
    medication_changes: str = ""
    non_medical_notes: str = ""
    plain_summary: str = ""
    screenings: tuple[ScreeningLine, ...] = ()
    plan: tuple[ItemLine, ...] = ()
    follow_up: tuple[ItemLine, ...] = ()
    contacts: tuple[ContactLine, ...] = field(default=())

    @property
    def discharge_at(self) -> datetime | None:
        return self.discharged_at or self.expected_discharge_at

    def draft_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in DRAFT_FIELDS}


DRAFT_FIELDS = (
    "reason",
    "care_instructions",
    "medication_changes",
    "non_medical_notes",
    "plain_summary",
)


def _screening_line(record: ScreeningRecord) -> ScreeningLine:
    definition = INSTRUMENTS.get(record.instrument)
    name: Any = definition.name if definition else record.instrument
    band: Any = record.band
    findings: list[Any] = []
    if definition is not None:
        try:
            band = definition.band(record.band).label
        except StopIteration:
            band = record.band
        if record.instrument == "icope_step1":
            findings = [label for key, label in ICOPE_DOMAINS.items() if record.details.get(key)]
        elif record.instrument == "psychosocial":
            findings = [
                answer.label for answer in definition.answer_keys if record.answers.get(answer.key)
            ]
    return ScreeningLine(
        instrument=record.instrument,
        name=name,
        score=record.score_display,
        band=band,
        positive=record.positive,
        validated=record.validated,
        findings=tuple(findings),
        recorded_at=record.recorded_at,
    )


def _item_line(item: PlanItem) -> ItemLine:
    if item.owner is not None:
        owner = item.owner.get_full_name() or item.owner.username
    elif item.owner_organisation is not None:
        owner = item.owner_organisation.display_name
    else:
        owner = ""
    return ItemLine(
        label=item.label,
        code=item.code,
        phase=item.phase,
        status=item.status,
        due_at=item.due_at,
        owner=owner,
        responsible_role=item.responsible_role,
        medical=item.responsible_role not in NON_MEDICAL_ROLES,
    )


def _active_members(stay: Stay) -> list[CircleMember]:
    """Active members the patient did not exclude and who may see something."""
    today = timezone.localdate()
    excluded = set(
        Exclusion.objects.filter(patient_id=stay.patient_id, lifted_at__isnull=True).values_list(
            "professional_id", flat=True
        )
    )
    return [
        member
        for member in CircleMember.objects.filter(patient_id=stay.patient_id)
        .exclude(visibility=Visibility.NONE)
        .select_related("professional", "service__organisation", "organisation")
        .order_by("role", "pk")
        if member.is_active_on(today) and member.professional_id not in excluded
    ]


def _contact_line(member: CircleMember) -> ContactLine:
    return ContactLine(
        member=member, role=member.role, phone=member.person_phone, is_referent=member.is_referent
    )


def letter_source(stay: Stay, draft: LetterDraft | None = None) -> LetterSource:
    """Compose the letter's one source from the stay (read it through an access first)."""
    if draft is None:
        draft = LetterDraft.objects.filter(stay=stay).first()
    patient = stay.patient
    latest: dict[str, ScreeningRecord] = {}
    for record in stay.screenings.order_by("-recorded_at", "-pk"):
        latest.setdefault(record.instrument, record)
    items = [
        _item_line(item)
        for item in stay.plan_items.select_related("owner", "owner_organisation")
        .exclude(status=PlanItemStatus.CANCELLED)
        .order_by("phase", "due_at", "order", "pk")
    ]
    referent = stay.referent
    moment = stay.discharged_at or stay.expected_discharge_at or stay.admitted_at
    return LetterSource(
        stay_id=stay.pk,
        patient_name=patient.display_name,
        pronouns=patient.pronouns,
        gender_identity=patient.gender_identity,
        age=patient.age_on(timezone.localtime(moment).date()),
        hospital=dict(stay.hospital.name or {"fr": stay.hospital.code}),
        ward=dict(stay.ward.name or {"fr": stay.ward.code}) if stay.ward else {},
        hospital_phone=getattr(stay.hospital, "phone", "") or "",
        time_zone=TIME_ZONES.get(stay.hospital.country, settings.TIME_ZONE),
        admitted_at=stay.admitted_at,
        expected_discharge_at=stay.expected_discharge_at,
        discharged_at=stay.discharged_at,
        destination=stay.destination,
        admitting_physician=stay.admitting_physician_label,
        referent_name=(referent.get_full_name() or referent.username) if referent else "",
        reason=draft.reason if draft else "",
        care_instructions=draft.care_instructions if draft else "",
        medication_changes=draft.medication_changes if draft else "",
        non_medical_notes=draft.non_medical_notes if draft else "",
        plain_summary=draft.plain_summary if draft else "",
        screenings=tuple(
            _screening_line(record)
            for record in sorted(latest.values(), key=lambda r: (r.recorded_at, r.pk))
        ),
        plan=tuple(item for item in items if item.phase == Phase.BEFORE_DISCHARGE),
        follow_up=tuple(item for item in items if item.phase == Phase.AFTER_DISCHARGE),
        contacts=tuple(_contact_line(member) for member in _active_members(stay)),
    )


# --- rendering ---------------------------------------------------------------------------


def _lower_weekday(text: str) -> str:
    """French and Dutch write the day's name in lower case inside a sentence."""
    if (translation.get_language() or "").split("-")[0] in ("fr", "nl") and text:
        return text[0].lower() + text[1:]
    return text


def _when(value: datetime | None, fmt: str = DATE_TIME) -> str:
    if value is None:
        return gettext("not known yet")
    return _lower_weekday(formats.date_format(timezone.localtime(value), fmt))


def _day(value: date | datetime | None) -> str:
    if value is None:
        return gettext("not known yet")
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return _lower_weekday(formats.date_format(value, DATE))


def _role_label(role: str) -> str:
    if role in MemberRole.values:
        return str(MemberRole(role).label)
    if role in Role.values:
        return str(Role(role).label)
    return role


def _patient_line(source: LetterSource) -> str:
    """The patient as they state it: name, pronouns, gender identity (never the sex)."""
    parts = [source.patient_name]
    if source.age is not None:
        parts.append(
            ngettext("%(age)d year old", "%(age)d years old", source.age) % {"age": source.age}
        )
    if source.pronouns:
        parts.append(gettext("pronouns: %(pronouns)s") % {"pronouns": source.pronouns})
    if source.gender_identity:
        parts.append(
            gettext("gender identity: %(identity)s") % {"identity": source.gender_identity}
        )
    return ", ".join(parts)


def _subject_name(source: LetterSource) -> str:
    """The patient's name with their pronouns, for sentences about them."""
    if source.pronouns:
        return f"{source.patient_name} ({source.pronouns})"
    return source.patient_name


def _block(title: str, text: str) -> list[str]:
    text = text.strip()
    if not text:
        return []
    return ["", title, *text.splitlines()]


def _item_text(item: ItemLine, *, plain: bool = False) -> str:
    label = localized(item.label) or item.code
    if plain:
        return (
            gettext("%(what)s, %(when)s") % {"what": label, "when": _day(item.due_at)}
            if item.due_at
            else label
        )
    who = item.owner or _role_label(item.responsible_role) or gettext("not assigned")
    status = str(PlanItemStatus(item.status).label)
    return gettext("%(what)s — %(who)s — due %(when)s — %(status)s") % {
        "what": label,
        "who": who,
        "when": _day(item.due_at),
        "status": status,
    }


def _contact_text(contact: ContactLine) -> str:
    text = f"{contact.member.display_name} — {_role_label(contact.role)}"
    if contact.phone:
        text += f" — {contact.phone}"
    if contact.is_referent:
        text += " — " + gettext("referent of the circle")
    return text


def _header(source: LetterSource, title: str, addressee: str) -> list[str]:
    hospital = localized(source.hospital)
    ward = localized(source.ward)
    lines = [title, " · ".join(filter(None, [hospital, ward]))]
    if addressee:
        lines.append(gettext("To: %(addressee)s") % {"addressee": addressee})
    lines += [
        "",
        gettext("Patient: %(patient)s") % {"patient": _patient_line(source)},
        gettext("Admitted: %(when)s") % {"when": _when(source.admitted_at)},
    ]
    if source.discharged_at is not None:
        lines.append(gettext("Discharged: %(when)s") % {"when": _when(source.discharged_at)})
    else:
        lines.append(
            gettext("Planned discharge: %(when)s") % {"when": _when(source.expected_discharge_at)}
        )
    if source.destination:
        lines.append(
            gettext("Going to: %(where)s") % {"where": Destination(source.destination).label}
        )
    return lines


def _contacts(source: LetterSource) -> list[str]:
    lines = ["", gettext("Who is involved")]
    if source.referent_name:
        lines.append(
            gettext("Hospital referent: %(name)s") % {"name": source.referent_name}
            + (f" — {source.hospital_phone}" if source.hospital_phone else "")
        )
    lines += [f"- {_contact_text(contact)}" for contact in source.contacts]
    return lines


def _items(title: str, items: Iterable[ItemLine]) -> list[str]:
    rows = [f"- {_item_text(item)}" for item in items]
    return ["", title, *rows] if rows else []


def _professional_view(source: LetterSource, view: ViewChoice, addressee: str) -> list[str]:
    lines = _header(source, gettext("Liaison letter"), addressee)
    if view.code == GP:
        if source.admitting_physician:
            lines.append(
                gettext("Admitting physician: %(name)s") % {"name": source.admitting_physician}
            )
        lines += _block(gettext("Reason for admission and diagnosis"), source.reason)
        if source.screenings:
            lines += ["", gettext("Screenings")]
            for screening in source.screenings:
                text = gettext("%(name)s: score %(score)s, %(band)s") % {
                    "name": screening.name,
                    "score": screening.score,
                    "band": screening.band,
                }
                text += " — " + (gettext("positive") if screening.positive else gettext("negative"))
                if screening.findings:
                    text += " (" + ", ".join(str(f) for f in screening.findings) + ")"
                if not screening.validated:
                    text += " — " + gettext("scoring pending validation")
                lines.append(f"- {text}")
    if view.code in (GP, NURSE):
        lines += _block(gettext("Care instructions"), source.care_instructions)
        lines += _block(gettext("Medication changes"), source.medication_changes)
    lines += _block(gettext("Practical information"), source.non_medical_notes)
    if view.code == GP:
        lines += _items(gettext("Discharge plan"), source.plan)
        lines += _items(gettext("Follow-up after discharge"), source.follow_up)
    elif view.code == NURSE:
        lines += _items(gettext("Follow-up after discharge"), source.follow_up)
    else:
        lines += _items(
            gettext("Follow-up after discharge"), [i for i in source.follow_up if not i.medical]
        )
    lines += _contacts(source)
    return lines


def _plain_view(
    source: LetterSource, view: ViewChoice, addressee: str, *, to_patient: bool
) -> list[str]:
    hospital = localized(source.hospital)
    if to_patient:
        lines = [gettext("Hello %(name)s,") % {"name": source.patient_name}, ""]
        lines.append(
            gettext("You leave %(hospital)s on %(when)s.")
            % {"hospital": hospital, "when": _when(source.discharge_at)}
        )
    else:
        lines = [gettext("Hello %(name)s,") % {"name": addressee}, ""] if addressee else []
        lines.append(
            gettext("%(patient)s leaves %(hospital)s on %(when)s.")
            % {
                "patient": _subject_name(source),
                "hospital": hospital,
                "when": _when(source.discharge_at),
            }
        )
        if source.gender_identity:
            lines.append(
                gettext("Gender identity: %(identity)s.") % {"identity": source.gender_identity}
            )
    lines += _block(gettext("In a few words"), source.plain_summary)
    if view.medical:
        lines += _block(gettext("What to do at home"), source.care_instructions)
        lines += _block(gettext("Changes to the medicines"), source.medication_changes)
    lines += _block(gettext("Practical matters"), source.non_medical_notes)
    visits = [i for i in source.follow_up if i.is_open and (view.medical or not i.medical)]
    if visits:
        lines += ["", gettext("What happens next")]
        lines += [f"- {_item_text(item, plain=True)}" for item in visits]
    people = [
        contact
        for contact in source.contacts
        if contact.role not in MemberRole.person_roles()
        and contact.role != MemberRole.HOSPITAL_REFERENT
    ]
    if people or source.referent_name:
        lines += ["", gettext("The people who help at home")]
        lines += [
            f"- {contact.member.display_name} ({_role_label(contact.role)})"
            + (f", {contact.phone}" if contact.phone else "")
            for contact in people
        ]
        if source.referent_name:
            lines.append(
                gettext("Questions? Call %(name)s at the hospital.")
                % {"name": source.referent_name}
                + (f" {source.hospital_phone}" if source.hospital_phone else "")
            )
    return lines


def render_view(
    source: LetterSource,
    view: ViewChoice,
    *,
    language: str,
    addressee: str = "",
    to_patient: bool = False,
) -> str:
    """One recipient's body, in `language`, with the dates in the hospital's time zone."""
    with translation.override(language), timezone.override(ZoneInfo(source.time_zone)):
        if view.code == PLAIN:
            lines = _plain_view(source, view, addressee, to_patient=to_patient)
        else:
            lines = _professional_view(source, view, addressee)
    return "\n".join(lines).strip() + "\n"


def addressee_of(member: CircleMember, *, language: str) -> str:
    with translation.override(language):
        if member.kind == "person":
            return member.display_name
        return f"{member.display_name} ({_role_label(member.role)})"


@dataclass(frozen=True)
class RecipientView:
    """One recipient of the letter and what they would receive."""

    key: str  # the member's pk, or PATIENT
    name: str
    role_label: str
    language: str
    view: ViewChoice | None
    body: str
    refusal: str = ""
    needs_hand_over: bool = False

    @property
    def can_receive(self) -> bool:
        return self.view is not None and not self.refusal


def patient_language(patient: Any) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    for language in patient.languages or []:
        if language in codes:
            return str(language)
    return str(settings.LANGUAGE_CODE)


def patient_copy(source: LetterSource, patient: Any) -> RecipientView:
    language = patient_language(patient)
    return RecipientView(
        key=PATIENT,
        name=source.patient_name,
        role_label=str(gettext("Patient")),
        language=language,
        view=PATIENT_VIEW,
        body=render_view(source, PATIENT_VIEW, language=language, to_patient=True),
        needs_hand_over=True,
    )


def member_copy(source: LetterSource, option: Any) -> RecipientView:
    """`option`: a `RecipientOption` of `parcours.messaging.transmission_selectors`."""
    member: CircleMember = option.member
    view = view_for(member)
    language = option.language
    body = ""
    if view is not None and option.can_receive:
        body = render_view(
            source, view, language=language, addressee=addressee_of(member, language=language)
        )
    return RecipientView(
        key=str(member.pk),
        name=member.display_name,
        role_label=str(_role_label(member.role)),
        language=language,
        view=view,
        body=body,
        refusal=option.refusal_message,
        needs_hand_over=option.needs_hand_over,
    )
