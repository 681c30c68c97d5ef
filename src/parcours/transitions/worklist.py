"""The liaison team's worklist: the hospital's active stays, soonest discharge first, with flags.

`worklist()` is the only read. It reaches patients through `patients.access.accessible_patients`
(the "hospital team of an open or planned stay" rule, consent and exclusions included) and
writes one audit row per listing. Flags are computed for a whole page in a fixed number of
queries: SQL annotations (`Exists`, counts) for what the database knows, and one batch of
directory queries (opening hours, closures) for the services a discharge needs. The calendar
rule (Friday from 14:00, weekend, public holiday) comes from `parcours.transitions.calendar`.

Flag definitions (also in docs/transitions.md, "Worklist"):

- not screened: no `ScreeningRecord` on the stay;
- fragile: at least one positive screening on the stay;
- no GP known: no active circle member with the GP role;
- circle incomplete: judged only once a destination is recorded (not empty, not "unknown", not
  "deceased"): no GP, or a discharge home (home, home with services) with no active home nurse,
  home-care coordination or home-help member, or no caregiver, trusted person or legal
  representative;
- destination not recorded: no destination (empty or "unknown") while the expected discharge is
  within 2 days or already past (stays without an expected discharge are not flagged);
- liaison letter not sent: `liaison_letter_sent_at` empty, or (discharged stays) sent after the
  patient left;
- risky discharge day: the discharge (actual, else expected) falls on Friday from 14:00, a
  weekend or a public holiday of the hospital's country, in local time;
- service not reachable: a service the discharge relies on (active circle members that are a
  service or an organisation, and the owner organisations of the plan's open items) has no
  opening period between the expected discharge and the end of the next day, closures and public
  holidays included. Services with no opening hours recorded are not judged;
- no referent: no complex-pathway referent named on the stay;
- overdue: open plan items whose due date has passed (a count).

`discharged_worklist()` is the "recently discharged" view: the hospital's stays discharged in
the last N days (1..60), newest first, with whether the liaison letter left before the patient
(`LetterTiming`), the open and overdue after-discharge items, and the readmission recorded by
aftercare (`Readmission.previous_stay`). Same access rules and audit as `worklist()`: the
hospital team, and only patients `accessible_patients` still reaches (a discharge alone opens
nothing: access rule 7 covers open and planned stays only).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.db import models, transaction
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext, pgettext_lazy

from parcours.accounts.models import Membership, Role, User
from parcours.audit.actions import audit_record
from parcours.audit.models import AuditAction, AuditOutcome
from parcours.directory.models import Organisation, OrganisationType, Service
from parcours.live import publish_to_users
from parcours.patients.access import Purpose, accessible_patients, actor_of
from parcours.patients.models import CircleMember, MemberRole
from parcours.transitions.aftercare_models import Readmission
from parcours.transitions.calendar import local_time
from parcours.transitions.models import (
    Destination,
    Phase,
    PlanItem,
    PlanItemStatus,
    ScreeningRecord,
    Stay,
    StayStatus,
)

PAGE_SIZE = 25
MAX_PAGE_SIZE = 200
ACTIVE_STATUSES = (StayStatus.OPEN, StayStatus.PLANNED)
HOME_DESTINATIONS = (Destination.HOME, Destination.HOME_WITH_SERVICES)
# No destination yet: the circle cannot be judged, and the team should record one.
UNRECORDED_DESTINATIONS = ("", Destination.UNKNOWN)
# Destinations for which the circle is not judged at all.
UNJUDGED_DESTINATIONS = (*UNRECORDED_DESTINATIONS, Destination.DECEASED)
DESTINATION_DUE_WITHIN = timedelta(days=2)
DISCHARGED_DAYS = 7
DISCHARGED_DAYS_MIN = 1
DISCHARGED_DAYS_MAX = 60
HOME_CARE_ROLES = (
    MemberRole.HOME_NURSE,
    MemberRole.HOME_CARE_COORDINATION,
    MemberRole.HOME_HELP,
)
PERSON_ROLES = (MemberRole.CAREGIVER, MemberRole.TRUSTED_PERSON, MemberRole.LEGAL_REPRESENTATIVE)


class Flag(models.TextChoices):
    NOT_SCREENED = "not_screened", _("Not screened")
    FRAGILE = "fragile", _("Fragile")
    NO_GP = "no_gp", _("No GP known")
    CIRCLE_INCOMPLETE = "circle_incomplete", _("Circle incomplete")
    DESTINATION_MISSING = "destination_missing", _("Destination not recorded")
    LETTER_NOT_SENT = "letter_not_sent", _("Liaison letter not sent")
    RISKY_DAY = "risky_day", _("Friday afternoon, weekend or holiday discharge")
    SERVICE_UNREACHABLE = "service_unreachable", _("Service not reachable at discharge")
    NO_REFERENT = "no_referent", _("No referent")
    OVERDUE = "overdue", _("Overdue plan items")


# Flags the database answers (filtered in SQL); the others are computed in Python.
SQL_FLAGS = frozenset(
    {
        Flag.NOT_SCREENED,
        Flag.FRAGILE,
        Flag.NO_GP,
        Flag.CIRCLE_INCOMPLETE,
        Flag.DESTINATION_MISSING,
        Flag.LETTER_NOT_SENT,
        Flag.NO_REFERENT,
        Flag.OVERDUE,
    }
)


class ReferentFilter(models.TextChoices):
    ANYONE = "anyone", _("Anyone")
    ME = "me", _("Me")
    NONE = "none", _("Nobody yet")


class WorklistNotAllowed(Exception):
    """The user has no hospital role in this hospital (answered like an unknown hospital)."""


def _badges(
    kinds: type[models.TextChoices], flags: list[str], detail: Callable[[str, str], str]
) -> list[tuple[str, str]]:
    """(code, text) of each of `flags`, in the order of `kinds`; `detail(code, label)` words it."""
    labels = dict(kinds.choices)
    return [(code, detail(code, str(labels[code]))) for code in kinds.values if code in flags]


def _stay_local(stay: Stay, moment: datetime | None) -> datetime | None:
    """`moment` in the local time of the stay's hospital; None stays None."""
    return local_time(moment, stay.hospital.country) if moment else None


@dataclass
class WorklistRow:
    stay: Stay
    flags: list[str]
    overdue_count: int
    unreachable_services: list[str] = field(default_factory=list)
    # Shown as badge-danger, the others as badge-warning (worklist/_flags_cell.html).
    danger_flags: ClassVar[frozenset[str]] = frozenset(
        {Flag.FRAGILE, Flag.SERVICE_UNREACHABLE, Flag.OVERDUE, Flag.RISKY_DAY}
    )

    @property
    def patient(self) -> object:
        return self.stay.patient

    @property
    def expected_discharge_local(self) -> datetime | None:
        return _stay_local(self.stay, self.stay.expected_discharge_at)

    @property
    def days_in_hospital(self) -> int:
        if self.stay.status == StayStatus.PLANNED:
            return 0
        end = self.stay.discharged_at or timezone.now()
        return max((end - self.stay.admitted_at).days, 0)

    @property
    def letter_sent_before_discharge(self) -> bool | None:
        """None while the patient is in hospital; else whether the letter left first."""
        sent, left = self.stay.liaison_letter_sent_at, self.stay.discharged_at
        if left is None:
            return None
        return sent is not None and sent <= left

    @property
    def badges(self) -> list[tuple[str, str]]:
        """(code, text) of each flag, in the order of `Flag`."""
        return _badges(Flag, self.flags, self._badge_text)

    def _badge_text(self, code: str, text: str) -> str:
        if code == Flag.OVERDUE:
            return f"{text} ({self.overdue_count})"
        if code == Flag.SERVICE_UNREACHABLE and self.unreachable_services:
            return f"{text}: {', '.join(self.unreachable_services)}"
        return text


class _Pages:
    """Page arithmetic shared by the open and the discharged views' pages."""

    number: int
    page_size: int
    total: int

    @property
    def num_pages(self) -> int:
        return max(math.ceil(self.total / self.page_size), 1)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages


@dataclass
class WorklistPage(_Pages):
    hospital: Organisation
    rows: list[WorklistRow]
    number: int
    page_size: int
    total: int


# --- who may see which hospital -------------------------------------------------------------


def _hospital_memberships(user: User) -> list[Membership]:
    if not user.is_authenticated or not user.is_active:
        return []
    return [m for m in user.active_memberships() if m.role in Role.hospital_roles()]


def _hospitals_of(memberships: list[Membership]) -> list[Organisation]:
    found: dict[int, Organisation] = {}
    for membership in memberships:
        organisation = membership.organisation
        if organisation.type == OrganisationType.HOSPITAL:
            found[organisation.pk] = organisation
        elif organisation.parent is not None:
            found[organisation.parent.pk] = organisation.parent
    return sorted(found.values(), key=lambda o: o.code)


def worklist_hospitals(user: User) -> list[Organisation]:
    """Hospitals where the user holds a hospital role, in the hospital or one of its wards."""
    return _hospitals_of(_hospital_memberships(user))


def worklist_wards(hospital: Organisation) -> list[Organisation]:
    return list(
        Organisation.objects.filter(parent=hospital, type=OrganisationType.WARD).order_by("code")
    )


# --- the query ------------------------------------------------------------------------------


def _active_member(role_in: Iterable[str]) -> QuerySet[CircleMember]:
    today = timezone.localdate()
    return CircleMember.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today),
        patient=OuterRef("patient_id"),
        role__in=list(role_in),
        start_date__lte=today,
    )


def _conditions() -> dict[str, Q]:
    """Each SQL flag as a condition on a stay (correlated EXISTS subqueries)."""
    now = timezone.now()
    screened = ScreeningRecord.objects.filter(stay=OuterRef("pk"))
    overdue = PlanItem.objects.filter(
        stay=OuterRef("pk"), status=PlanItemStatus.TODO, due_at__lt=now
    )
    no_gp = Q(~Exists(_active_member([MemberRole.GP])))
    going_home = Q(destination__in=HOME_DESTINATIONS)
    unrecorded = Q(destination__in=UNRECORDED_DESTINATIONS)
    return {
        Flag.NOT_SCREENED: Q(~Exists(screened)),
        Flag.FRAGILE: Q(Exists(screened.filter(positive=True))),
        Flag.NO_GP: no_gp,
        Flag.CIRCLE_INCOMPLETE: ~Q(destination__in=UNJUDGED_DESTINATIONS)
        & (
            no_gp
            | (going_home & Q(~Exists(_active_member(HOME_CARE_ROLES))))
            | Q(~Exists(_active_member(PERSON_ROLES)))
        ),
        Flag.DESTINATION_MISSING: unrecorded
        & Q(
            discharged_at__isnull=True,
            expected_discharge_at__isnull=False,
            expected_discharge_at__lte=now + DESTINATION_DUE_WITHIN,
        ),
        Flag.LETTER_NOT_SENT: Q(liaison_letter_sent_at__isnull=True)
        | Q(discharged_at__isnull=False, liaison_letter_sent_at__gt=F("discharged_at")),
        Flag.NO_REFERENT: Q(referent__isnull=True),
        Flag.OVERDUE: Q(Exists(overdue)),
    }


def _annotated(queryset: QuerySet[Stay]) -> QuerySet[Stay]:
    """The SQL flags as columns (`wl_<flag>`) and the overdue count (`wl_overdue`)."""
    now = timezone.now()
    overdue = PlanItem.objects.filter(
        stay=OuterRef("pk"), status=PlanItemStatus.TODO, due_at__lt=now
    )
    columns: dict[str, Any] = {
        f"wl_{code}": models.ExpressionWrapper(condition, output_field=models.BooleanField())
        for code, condition in _conditions().items()
        if code not in (Flag.NO_REFERENT, Flag.OVERDUE)
    }
    columns["wl_overdue"] = _count(overdue)
    return queryset.annotate(**columns)


def _base(
    *,
    user: User,
    team_ids: list[int],
    hospital: Organisation,
    ward: Organisation | None,
    referent: str | None,
) -> QuerySet[Stay]:
    return _team_stays(
        user=user,
        team_ids=team_ids,
        hospital=hospital,
        ward=ward,
        referent=referent,
        status__in=ACTIVE_STATUSES,
    )


def _team_stays(
    *,
    user: User,
    team_ids: list[int],
    hospital: Organisation,
    ward: Organisation | None,
    referent: str | None,
    **filters: Any,
) -> QuerySet[Stay]:
    """The hospital's stays held by the team that `user` may reach, narrowed by `filters`."""
    queryset = Stay.objects.filter(
        Q(hospital_id__in=team_ids) | Q(ward_id__in=team_ids), hospital=hospital, **filters
    ).filter(
        # Correlated per stay: the access rules run only for this hospital's stays kept so far.
        Exists(accessible_patients(user).filter(pk=OuterRef("patient_id")))
    )
    return _referent_ward(queryset, user=user, ward=ward, referent=referent)


def _referent_ward(
    queryset: QuerySet[Stay], *, user: User, ward: Organisation | None, referent: str | None
) -> QuerySet[Stay]:
    if ward is not None:
        queryset = queryset.filter(ward=ward)
    if referent == ReferentFilter.ME:
        queryset = queryset.filter(referent=user)
    elif referent == ReferentFilter.NONE:
        queryset = queryset.filter(referent__isnull=True)
    return queryset


def _ordered(queryset: QuerySet[Stay]) -> QuerySet[Stay]:
    return queryset.order_by(F("expected_discharge_at").asc(nulls_last=True), "admitted_at", "pk")


def worklist(
    *,
    user: User,
    hospital: Organisation,
    ward: Organisation | None = None,
    referent: str | None = None,
    flags: Sequence[str] | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> WorklistPage:
    """One page of the hospital's worklist for `user`; stays must carry every flag in `flags`.

    Raises WorklistNotAllowed when the user holds no hospital role in `hospital` (or its wards).
    Always audited (one row per listing, refusals included).
    """
    team_ids, membership = _hospital_team(user=user, hospital=hospital, page=page)
    wanted = [f for f in (flags or []) if f in Flag.values]
    page_size = min(max(int(page_size), 1), MAX_PAGE_SIZE)
    # Phase 1: which stays, in which order (filters only; no flag columns computed).
    candidates = _base(
        user=user, team_ids=team_ids, hospital=hospital, ward=ward, referent=referent
    )
    sql_flags = [f for f in wanted if f in SQL_FLAGS]
    if sql_flags:
        conditions = _conditions()
        for flag in sql_flags:
            candidates = candidates.filter(conditions[flag])
    candidates = _ordered(candidates)
    python_flags = [f for f in wanted if f not in SQL_FLAGS]
    if python_flags:
        # Flags computed in Python: judge every candidate (light rows, a fixed number of
        # queries), then page through the ids that carry them.
        light = list(
            candidates.select_related("hospital").only(
                "pk",
                "patient_id",
                "hospital__country",
                "expected_discharge_at",
                "discharged_at",
                "status",
            )
        )
        computed = _python_flags(light, services_too=Flag.SERVICE_UNREACHABLE in python_flags)
        ids = [s.pk for s in light if all(f in computed[s.pk][0] for f in python_flags)]
        total = len(ids)
        number = _clamp(page, total, page_size)
        page_ids = ids[(number - 1) * page_size : number * page_size]
    else:
        total, number, page_ids = _page_ids(candidates, page, page_size)
    # Phase 2: the page's rows with their flags.
    stays = list(
        _ordered(_annotated(Stay.objects.filter(pk__in=page_ids))).select_related(
            "patient", "hospital", "ward", "referent"
        )
    )
    rows = _rows(stays)
    _audit(user=user, membership=membership, hospital=hospital, total=total, page=number)
    return WorklistPage(
        hospital=hospital, rows=rows, number=number, page_size=page_size, total=total
    )


def _hospital_team(
    *, user: User, hospital: Organisation, page: int, extra: dict[str, Any] | None = None
) -> tuple[list[int], Membership]:
    """The user's team organisation ids and the membership that opens `hospital`.

    Audits the refusal and raises WorklistNotAllowed when no hospital role opens it.
    """
    memberships = _hospital_memberships(user)
    if not any(h.pk == hospital.pk for h in _hospitals_of(memberships)):
        _audit(user=user, membership=None, hospital=hospital, total=0, page=page, extra=extra)
        raise WorklistNotAllowed
    team_ids = [m.organisation_id for m in memberships]
    membership = next(
        m for m in memberships if hospital.pk in (m.organisation_id, m.organisation.parent_id)
    )
    return team_ids, membership


def _page_ids(candidates: QuerySet[Stay], page: int, page_size: int) -> tuple[int, int, list[int]]:
    """(total, page number clamped, ids of the page) of ordered `candidates`."""
    total = candidates.count()
    number = _clamp(page, total, page_size)
    start = (number - 1) * page_size
    return total, number, list(candidates.values_list("pk", flat=True)[start : start + page_size])


def _clamp(page: int, total: int, page_size: int) -> int:
    last = max(math.ceil(total / page_size), 1)
    try:
        number = int(page)
    except (TypeError, ValueError):
        number = 1
    return min(max(number, 1), last)


def _audit(
    *,
    user: User,
    membership: Membership | None,
    hospital: Organisation,
    total: int,
    page: int,
    extra: dict[str, Any] | None = None,
) -> None:
    allowed = membership is not None
    audit_record(
        actor=actor_of(user, membership),
        action=AuditAction.READ,
        what="worklist",
        outcome=AuditOutcome.SUCCESS if allowed else AuditOutcome.DENIED,
        purpose=Purpose.COORDINATION,
        reason="" if allowed else "no-hospital-role",
        detail={"hospital": hospital.code, "count": total, "page": page, **(extra or {})},
    )


def _rows(stays: list[Stay]) -> list[WorklistRow]:
    computed = _python_flags(stays)
    rows = []
    for stay in stays:
        flags: list[str] = [
            str(code)
            for code, on in [
                (Flag.NOT_SCREENED, stay.wl_not_screened),  # type: ignore[attr-defined]
                (Flag.FRAGILE, stay.wl_fragile),  # type: ignore[attr-defined]
                (Flag.NO_GP, stay.wl_no_gp),  # type: ignore[attr-defined]
                (Flag.CIRCLE_INCOMPLETE, stay.wl_circle_incomplete),  # type: ignore[attr-defined]
                (Flag.DESTINATION_MISSING, stay.wl_destination_missing),  # type: ignore[attr-defined]
                (Flag.LETTER_NOT_SENT, stay.wl_letter_not_sent),  # type: ignore[attr-defined]
                (Flag.NO_REFERENT, stay.referent_id is None),
                (Flag.OVERDUE, stay.wl_overdue > 0),  # type: ignore[attr-defined]
            ]
            if on
        ]
        python, unreachable = computed[stay.pk]
        flags.extend(python)
        ordered = [str(code) for code in Flag.values if code in flags]
        rows.append(
            WorklistRow(
                stay=stay,
                flags=ordered,
                overdue_count=stay.wl_overdue,  # type: ignore[attr-defined]
                unreachable_services=unreachable,
            )
        )
    return rows


# --- recently discharged ----------------------------------------------------------------------


class View(models.TextChoices):
    OPEN = "open", pgettext_lazy("worklist view", "In hospital")
    DISCHARGED = "discharged", _("Recently discharged")


class LetterTiming(models.TextChoices):
    BEFORE = "before", _("Sent before discharge")
    AFTER = "after", _("Sent after discharge")
    MISSING = "missing", _("Not sent")


class DischargedFlag(models.TextChoices):
    LETTER_LATE = "letter_late", _("Letter sent after discharge")
    LETTER_MISSING = "letter_missing", _("Letter not sent")
    FOLLOW_UP_OVERDUE = "follow_up_overdue", _("Overdue follow-up items")
    READMITTED = "readmitted", _("Readmitted")


@dataclass
class DischargedRow:
    stay: Stay
    letter: str
    open_items: int
    overdue_items: int
    readmission_days: int | None
    flags: list[str]
    # Shown as badge-danger, the others as badge-warning (worklist/_flags_cell.html).
    danger_flags: ClassVar[frozenset[str]] = frozenset(
        {
            DischargedFlag.LETTER_MISSING,
            DischargedFlag.FOLLOW_UP_OVERDUE,
            DischargedFlag.READMITTED,
        }
    )

    @property
    def patient(self) -> object:
        return self.stay.patient

    @property
    def discharged_local(self) -> datetime | None:
        return _stay_local(self.stay, self.stay.discharged_at)

    @property
    def letter_label(self) -> str:
        return str(LetterTiming(self.letter).label)

    @property
    def destination_label(self) -> str:
        """The destination's label; "" when none is recorded."""
        destination = self.stay.destination
        if destination == Destination.HOME:
            # "Home" alone is the navigation's "Accueil" in the project-wide catalogue.
            return pgettext("discharge destination", "Home")
        return str(self.stay.get_destination_display()) if destination else ""

    @property
    def badges(self) -> list[tuple[str, str]]:
        """(code, text) of each flag, in the order of `DischargedFlag`."""
        return _badges(DischargedFlag, self.flags, self._badge_text)

    def _badge_text(self, code: str, text: str) -> str:
        if code == DischargedFlag.FOLLOW_UP_OVERDUE:
            return f"{text} ({self.overdue_items})"
        if code == DischargedFlag.READMITTED and self.readmission_days is not None:
            days = self.readmission_days
            return ngettext(
                "Readmitted after %(days)s day", "Readmitted after %(days)s days", days
            ) % {"days": days}
        return text


@dataclass
class DischargedPage(_Pages):
    hospital: Organisation
    rows: list[DischargedRow]
    number: int
    page_size: int
    total: int
    days: int


def clamp_days(value: object) -> int:
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return DISCHARGED_DAYS
    return min(max(number, DISCHARGED_DAYS_MIN), DISCHARGED_DAYS_MAX)


def _after_discharge_items() -> QuerySet[PlanItem]:
    return PlanItem.objects.filter(
        stay=OuterRef("pk"), phase=Phase.AFTER_DISCHARGE, status=PlanItemStatus.TODO
    )


def _discharged_conditions() -> dict[str, Q]:
    now = timezone.now()
    return {
        DischargedFlag.LETTER_LATE: Q(liaison_letter_sent_at__gt=F("discharged_at")),
        DischargedFlag.LETTER_MISSING: Q(liaison_letter_sent_at__isnull=True),
        DischargedFlag.FOLLOW_UP_OVERDUE: Q(
            Exists(_after_discharge_items().filter(due_at__lt=now))
        ),
        DischargedFlag.READMITTED: Q(Exists(_readmissions())),
    }


def _readmissions() -> QuerySet[Readmission]:
    return Readmission.objects.filter(previous_stay=OuterRef("pk")).exclude(
        stay__status=StayStatus.CANCELLED
    )


def _count(queryset: QuerySet[PlanItem]) -> Coalesce:
    counted = queryset.order_by().values("stay").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def discharged_worklist(
    *,
    user: User,
    hospital: Organisation,
    days: int = DISCHARGED_DAYS,
    ward: Organisation | None = None,
    referent: str | None = None,
    flags: Sequence[str] | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> DischargedPage:
    """Stays of `hospital` discharged in the last `days` days (1..60), newest discharge first.

    Same access rules as `worklist()` (hospital role in the hospital or its ward; patients the
    user may still reach); raises WorklistNotAllowed otherwise. Always audited. A stay must
    carry every `DischargedFlag` in `flags`. A fixed number of queries whatever the rows.
    """
    days = clamp_days(days)
    extra = {"view": View.DISCHARGED, "days": days}
    team_ids, membership = _hospital_team(user=user, hospital=hospital, page=page, extra=extra)
    page_size = min(max(int(page_size), 1), MAX_PAGE_SIZE)
    now = timezone.now()
    candidates = _team_stays(
        user=user,
        team_ids=team_ids,
        hospital=hospital,
        ward=ward,
        referent=referent,
        status=StayStatus.DISCHARGED,
        discharged_at__gte=now - timedelta(days=days),
        discharged_at__lte=now,
    )
    conditions = _discharged_conditions()
    for flag in flags or []:
        if flag in conditions:
            candidates = candidates.filter(conditions[flag])
    order = (F("discharged_at").desc(), "-pk")
    total, number, page_ids = _page_ids(candidates.order_by(*order), page, page_size)
    stays = list(
        Stay.objects.filter(pk__in=page_ids)
        .annotate(
            wl_open=_count(_after_discharge_items()),
            wl_overdue=_count(_after_discharge_items().filter(due_at__lt=now)),
            wl_readmission=Subquery(_readmissions().order_by("days").values("days")[:1]),
        )
        .select_related("patient", "hospital", "ward", "referent")
        .order_by(*order)
    )
    rows = [_discharged_row(stay) for stay in stays]
    _audit(
        user=user, membership=membership, hospital=hospital, total=total, page=number, extra=extra
    )
    return DischargedPage(
        hospital=hospital,
        rows=rows,
        number=number,
        page_size=page_size,
        total=total,
        days=days,
    )


def letter_timing(stay: Stay) -> str:
    """Whether the first liaison letter left before the patient did (discharged stays)."""
    sent, left = stay.liaison_letter_sent_at, stay.discharged_at
    if sent is None:
        return LetterTiming.MISSING
    if left is not None and sent > left:
        return LetterTiming.AFTER
    return LetterTiming.BEFORE


def _discharged_row(stay: Stay) -> DischargedRow:
    letter = letter_timing(stay)
    overdue = stay.wl_overdue  # type: ignore[attr-defined]
    readmission = stay.wl_readmission  # type: ignore[attr-defined]
    flags = [
        str(code)
        for code, on in [
            (DischargedFlag.LETTER_LATE, letter == LetterTiming.AFTER),
            (DischargedFlag.LETTER_MISSING, letter == LetterTiming.MISSING),
            (DischargedFlag.FOLLOW_UP_OVERDUE, overdue > 0),
            (DischargedFlag.READMITTED, readmission is not None),
        ]
        if on
    ]
    return DischargedRow(
        stay=stay,
        letter=letter,
        open_items=stay.wl_open,  # type: ignore[attr-defined]
        overdue_items=overdue,
        readmission_days=readmission,
        flags=flags,
    )


# --- flags computed in Python, for a batch of stays -----------------------------------------


def _python_flags(
    stays: list[Stay], *, services_too: bool = True
) -> dict[int, tuple[list[str], list[str]]]:
    """{stay id: (flags, names of unreachable services)} in a fixed number of queries.

    `services_too=False` skips the directory (the calendar flag only).
    """
    services = _needed_services(stays) if services_too else {}
    out: dict[int, tuple[list[str], list[str]]] = {}
    for stay in stays:
        flags: list[str] = []
        if stay.is_weekend_or_friday_afternoon_discharge:
            flags.append(Flag.RISKY_DAY)
        unreachable = []
        moment = stay.expected_discharge_at if stay.discharged_at is None else None
        if moment is not None:
            unreachable = sorted(
                {s.display_name for s in services.get(stay.pk, []) if not reachable(s, moment)}
            )
        if unreachable:
            flags.append(Flag.SERVICE_UNREACHABLE)
        out[stay.pk] = (flags, unreachable)
    return out


def reachable(service: Service, moment: datetime) -> bool:
    """Open at some time between `moment` and the end of the next day (service's local time).

    A service with no opening hours recorded is not judged (reachable as far as we know);
    `opening_hours` and `closures` should be prefetched.
    """
    hours = list(service.opening_hours.all())
    if not hours:
        return True
    local = timezone.localtime(moment, service.time_zone)
    window_end = datetime.combine(
        local.date() + timedelta(days=2), datetime.min.time(), service.time_zone
    )
    opening = service.next_opening(moment, days=1)
    return opening is not None and opening < window_end


def _needed_services(stays: list[Stay]) -> dict[int, list[Service]]:
    """The services each stay's discharge relies on: 3 + 2 queries whatever the stay count."""
    if not stays:
        return {}
    today = timezone.localdate()
    patient_ids = {s.patient_id for s in stays}
    members = list(
        CircleMember.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today),
            Q(service__isnull=False) | Q(organisation__isnull=False),
            patient_id__in=patient_ids,
            start_date__lte=today,
        )
        .exclude(role__in=list(PERSON_ROLES))
        .values_list("patient_id", "service_id", "organisation_id")
    )
    owners = list(
        PlanItem.objects.filter(
            stay_id__in=[s.pk for s in stays],
            status=PlanItemStatus.TODO,
            owner_organisation__isnull=False,
        ).values_list("stay_id", "owner_organisation_id")
    )
    service_ids = {service_id for _, service_id, _ in members if service_id}
    organisation_ids = {org for _, _, org in members if org} | {org for _, org in owners}
    if not service_ids and not organisation_ids:
        return {}
    services = list(
        Service.objects.filter(
            Q(pk__in=service_ids) | Q(organisation_id__in=organisation_ids), active=True
        ).prefetch_related("opening_hours", "closures")
    )
    by_id = {s.pk: s for s in services}
    by_org: dict[int, list[Service]] = defaultdict(list)
    for service in services:
        by_org[service.organisation_id].append(service)
    per_patient: dict[int, dict[int, Service]] = defaultdict(dict)
    for patient_id, service_id, organisation_id in members:
        found = [by_id[service_id]] if service_id in by_id else by_org.get(organisation_id, [])
        for service in found:
            per_patient[patient_id][service.pk] = service
    per_stay_owner: dict[int, dict[int, Service]] = defaultdict(dict)
    for stay_id, organisation_id in owners:
        for service in by_org.get(organisation_id, []):
            per_stay_owner[stay_id][service.pk] = service
    return {
        stay.pk: list({**per_patient[stay.patient_id], **per_stay_owner[stay.pk]}.values())
        for stay in stays
    }


# --- live updates ---------------------------------------------------------------------------


def worklist_topic(hospital_id: int) -> str:
    return f"worklist-{hospital_id}"


def worklist_team_user_ids(hospital_id: int) -> list[int]:
    return sorted(
        set(
            Membership.objects.filter(
                Q(organisation_id=hospital_id) | Q(organisation__parent_id=hospital_id),
                active=True,
                user__is_active=True,
                role__in=list(Role.hospital_roles()),
            ).values_list("user_id", flat=True)
        )
    )


def worklist_changed(stay: Stay) -> None:
    """Refresh the open worklists of the stay's hospital once the current transaction commits.

    The transitions actions already send this event (`actions._publish`); call this from any
    other change that moves a flag (for example the circle of care of a patient in hospital).
    """
    hospital_id = stay.hospital_id
    event = {"topic": worklist_topic(hospital_id), "kind": "stay.changed", "stay": stay.pk}

    def send() -> None:
        publish_to_users(worklist_team_user_ids(hospital_id), event)

    transaction.on_commit(send)
