"""Reads of transmissions: who may receive one, a user's inbox, what a page may list.

Every function that returns patient-linked rows takes a `PatientAccess` (granted and audited by
`parcours.patients.access`) or filters through `accessible_patients`, the same rules unaudited.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.accounts.models import Membership, Role, User
from parcours.messaging.models import (
    Transmission,
    TransmissionKind,
    TransmissionRecipient,
    TransmissionState,
)
from parcours.patients.access import PatientAccess, accessible_patients
from parcours.patients.models import CircleMember, Exclusion, Patient, Visibility

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)

REFUSALS = {
    "not-in-circle": _("%(name)s is not an active member of the circle of care."),
    "sees-nothing": _("%(name)s may see nothing of this patient's record."),
    "excluded": _("The patient does not want %(name)s to be informed."),
    "no-access": _("%(name)s cannot open this patient's record."),
}


@dataclass(frozen=True)
class RecipientOption:
    """A circle member a transmission can go to, with the accounts that read and acknowledge it.

    `accounts` is empty for a person without an account (a caregiver) or a professional not on
    Parcours: the sender hands the content over and records the confirmation (`needs_hand_over`).
    `refusal` is the code of why the member cannot receive anything (see REFUSALS).
    """

    member: CircleMember
    accounts: tuple[User, ...]
    language: str
    visibility: str
    refusal: str = ""

    @property
    def needs_hand_over(self) -> bool:
        return not self.accounts

    @property
    def can_receive(self) -> bool:
        return not self.refusal

    @property
    def refusal_message(self) -> str:
        if not self.refusal:
            return ""
        return str(REFUSALS[self.refusal]) % {"name": self.member.display_name}


def may_see(user: User, patient: Patient) -> bool:
    """The access rules of `parcours.patients.access`, without an audit row (no data is read)."""
    return accessible_patients(user).filter(pk=patient.pk).exists()


def _organisation_of(member: CircleMember) -> int | None:
    if member.service_id and member.service is not None:
        return member.service.organisation_id
    if member.organisation_id and not member.person_name and not member.professional_id:
        return member.organisation_id
    return None


def member_accounts(member: CircleMember) -> list[User]:
    """Accounts that stand for this member: the professional's, or the care team of a service
    or organisation member. Not filtered by access (see `recipient_option`)."""
    if member.professional_id and member.professional is not None:
        user = member.professional.user
        return [user] if user is not None and user.is_active else []
    organisation_id = _organisation_of(member)
    if organisation_id is None:
        return []
    user_ids = Membership.objects.filter(
        organisation_id=organisation_id, active=True, role__in=list(Role.care_roles())
    ).values("user_id")
    return list(User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))


def _language(member: CircleMember, accounts: list[User], patient: Patient) -> str:
    candidates = [member.person_language]
    candidates += [account.language for account in accounts[:1]]
    if member.kind == "person":
        candidates += list(patient.languages or [])[:1]
    for candidate in candidates:
        if candidate in LANGUAGE_CODES:
            return str(candidate)
    return str(settings.LANGUAGE_CODE)


def recipient_option(member: CircleMember, *, patient: Patient) -> RecipientOption:
    """What sending to `member` would mean, or why it is refused."""
    today = timezone.localdate()
    accounts = member_accounts(member)
    language = _language(member, accounts, patient)
    refusal = ""
    if member.patient_id != patient.pk or not member.is_active_on(today):
        refusal = "not-in-circle"
    elif member.visibility == Visibility.NONE:
        refusal = "sees-nothing"
    elif (
        member.professional_id
        and Exclusion.objects.filter(
            patient=patient, professional_id=member.professional_id, lifted_at__isnull=True
        ).exists()
    ):
        refusal = "excluded"
    else:
        allowed = [account for account in accounts if may_see(account, patient)]
        if accounts and not allowed:
            refusal = "no-access"
        accounts = allowed
    return RecipientOption(member, tuple(accounts), language, member.visibility, refusal)


def recipient_options(access: PatientAccess) -> list[RecipientOption]:
    """Every active member of the circle, with what sending to them would mean."""
    today = timezone.localdate()
    members = (
        CircleMember.objects.filter(patient=access.patient, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("professional__user", "service__organisation", "organisation")
        .order_by("role", "pk")
    )
    return [recipient_option(member, patient=access.patient) for member in members]


def members_of_user(user: User, patient: Patient) -> list[CircleMember]:
    """Active circle members this user stands for, best visibility first."""
    today = timezone.localdate()
    organisation_ids = [
        m.organisation_id for m in user.active_memberships() if m.role in Role.care_roles()
    ]
    q = Q(organisation_id__in=organisation_ids, person_name="", professional__isnull=True)
    q |= Q(service__organisation_id__in=organisation_ids)
    professional = getattr(user, "professional", None)
    if professional is not None:
        q |= Q(professional_id=professional.pk)
    members = list(
        CircleMember.objects.filter(patient=patient, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .filter(q)
        .select_related("professional__user", "service__organisation", "organisation")
    )
    return sorted(members, key=lambda m: -Visibility.rank(m.visibility))


def addressed_to(user: User) -> Q:
    """Recipient rows this user reads: addressed to them, or to a service or organisation of
    theirs without a named account."""
    organisation_ids = [
        m.organisation_id for m in user.active_memberships() if m.role in Role.care_roles()
    ]
    team = Q(user__isnull=True) & (
        Q(circle_member__service__organisation_id__in=organisation_ids)
        | Q(
            circle_member__organisation_id__in=organisation_ids,
            circle_member__person_name="",
            circle_member__professional__isnull=True,
        )
    )
    return Q(user=user) | team


def received_by(user: User) -> QuerySet[TransmissionRecipient]:
    """Copies addressed to this user, on patients they may still reach."""
    return (
        TransmissionRecipient.objects.filter(addressed_to(user))
        .filter(transmission__patient__in=accessible_patients(user))
        .select_related("transmission__patient", "transmission__sender", "circle_member")
        .order_by("transmission__acknowledge_by", "pk")
    )


def to_acknowledge(user: User) -> QuerySet[TransmissionRecipient]:
    return received_by(user).exclude(state=TransmissionState.ACKNOWLEDGED)


def to_acknowledge_count(user: User) -> int:
    return to_acknowledge(user).count()


def copies_for(user: User, transmission: Transmission) -> list[TransmissionRecipient]:
    """This user's copies of one transmission (usually one)."""
    return list(
        TransmissionRecipient.objects.filter(transmission=transmission)
        .filter(addressed_to(user))
        .select_related("circle_member__professional", "circle_member__service", "user")
    )


def is_account_of(user: User, copy: TransmissionRecipient) -> bool:
    return TransmissionRecipient.objects.filter(pk=copy.pk).filter(addressed_to(user)).exists()


def sent_by(user: User) -> QuerySet[Transmission]:
    """Transmissions this user sent, with acknowledgement counts."""
    return (
        Transmission.objects.filter(sender=user)
        .filter(patient__in=accessible_patients(user))
        .select_related("patient")
        .annotate(
            recipient_count=Count("recipients"),
            acknowledged_count=Count(
                "recipients", filter=Q(recipients__state=TransmissionState.ACKNOWLEDGED)
            ),
        )
        .order_by("-created_at", "-pk")
    )


def can_follow(access: PatientAccess, transmission: Transmission) -> bool:
    """The sender, and the circle's managers, follow every recipient's state."""
    return transmission.patient_id == access.patient.pk and (
        transmission.sender_id == access.user.pk or access.can_manage
    )


def for_patient(access: PatientAccess) -> list[Transmission]:
    """The patient's transmissions this access may list: all of them for members who see care
    information, otherwise the ones they sent or received."""
    queryset = (
        Transmission.objects.filter(patient=access.patient)
        .select_related("sender", "sender_organisation")
        .annotate(
            recipient_count=Count("recipients"),
            acknowledged_count=Count(
                "recipients", filter=Q(recipients__state=TransmissionState.ACKNOWLEDGED)
            ),
        )
    )
    if not access.shows_medical:
        mine = TransmissionRecipient.objects.filter(addressed_to(access.user)).values(
            "transmission_id"
        )
        queryset = queryset.filter(Q(sender=access.user) | Q(pk__in=mine))
    return list(queryset.order_by("-created_at", "-pk")[:50])


def follow_rows(transmission: Transmission) -> list[TransmissionRecipient]:
    return list(
        transmission.recipients.select_related(
            "circle_member__professional",
            "circle_member__service",
            "circle_member__organisation",
            "user",
            "acknowledged_by",
        ).prefetch_related("events")
    )


def liaison_letter_sent_at() -> Subquery:
    """When the first liaison letter of a stay left, to annotate a Stay queryset (the worklist
    shows whether it left before the patient did): `stays.annotate(letter_at=...)`."""
    letters = Transmission.objects.filter(
        stay_id=OuterRef("pk"), kind=TransmissionKind.LIAISON_LETTER
    ).order_by("created_at")
    return Subquery(letters.values("created_at")[:1])
