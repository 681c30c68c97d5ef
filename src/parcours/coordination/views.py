"""Coordination pages: thin views over `access.py`, `actions.py` and `selectors.py`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from parcours.accounts.http import request_user
from parcours.accounts.models import User
from parcours.audit.actions import audit_record
from parcours.audit.models import AuditAction, AuditOutcome
from parcours.coordination import actions, selectors
from parcours.coordination.access import TaskAccess, TaskNotFound, access_task
from parcours.coordination.forms import ReferralForm, TaskForm, TransitionForm
from parcours.coordination.models import IllegalTransition, TaskStatus
from parcours.directory.models import TargetGroup
from parcours.directory.selectors import SearchError, ServiceQuery, search_services
from parcours.patients.access import PatientNotFound, Purpose, access_patient, actor_of


def _task_access(request: HttpRequest, pk: int, **kwargs: Any) -> TaskAccess:
    try:
        return access_task(request.user, pk, **kwargs)
    except TaskNotFound as exc:
        raise Http404(_("No referral found.")) from exc


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    tasks = selectors.inbox(user)
    audit_record(
        actor=actor_of(user),
        action=AuditAction.READ,
        what="referral-inbox",
        outcome=AuditOutcome.SUCCESS,
        purpose=Purpose.COORDINATION,
        detail={"count": len(tasks)},
    )
    # Opening the inbox shows the referrals: the new ones are now received (FHIR "received").
    rows = []
    for task in tasks:
        if task.status == TaskStatus.REQUESTED:
            try:
                access = access_task(user, task.pk)
            except TaskNotFound:
                continue
            task = actions.task_receive_on_open(access=access)
        rows.append(task)
    return render(request, "coordination/inbox.html", {"tasks": rows})


@login_required
def sent(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    tasks = selectors.sent(user)
    audit_record(
        actor=actor_of(user),
        action=AuditAction.READ,
        what="referral-sent-list",
        outcome=AuditOutcome.SUCCESS,
        purpose=Purpose.COORDINATION,
        detail={"count": len(tasks)},
    )
    return render(request, "coordination/sent.html", {"tasks": tasks})


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = _task_access(request, pk)
    task = actions.task_receive_on_open(access=access)
    return render(
        request,
        "coordination/task.html",
        {
            "access": access,
            "task": task,
            "events": selectors.events_of(task),
            "group": selectors.group_of(task) if access.is_requester else [],
            "transitions": _buttons(access),
        },
    )


def _buttons(access: TaskAccess) -> list[dict[str, Any]]:
    from parcours.coordination.models import REASON_REQUIRED, status_label

    return [
        {
            "status": status,
            "label": status_label(status),
            "needs_reason": status in REASON_REQUIRED,
            "needs_outcome": status == TaskStatus.COMPLETED,
        }
        for status in actions.available_transitions(access)
    ]


@login_required
@require_POST
def task_transition(request: HttpRequest, pk: int) -> HttpResponse:
    access = _task_access(request, pk, action=AuditAction.UPDATE)
    form = TransitionForm(request.POST)
    from_inbox = request.POST.get("from") == "inbox"
    status_code = 200
    error = ""
    if not form.is_valid():
        error, status_code = _("The request is not valid."), 400
    else:
        data = form.cleaned_data
        try:
            actions.task_transition(
                access=access,
                status=data["status"],
                reason=data["reason"],
                outcome=data["outcome"],
            )
        except IllegalTransition as exc:
            error, status_code = str(exc.message), 409
        except actions.NotYourSide as exc:
            error, status_code = str(exc.message), 403
        except actions.CoordinationError as exc:
            error, status_code = str(exc.message), 400
    access.task.refresh_from_db()
    if request.headers.get("HX-Request") and from_inbox:
        # htmx swaps only 2xx answers: the refusal is shown in the row, with its status kept
        # in a header for scripts and tests.
        response = render(
            request, "coordination/_inbox_row.html", {"task": access.task, "error": error}
        )
        response["X-Parcours-Status"] = str(status_code)
        return response
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Saved."))
    if from_inbox:
        return redirect("coordination:inbox")
    return redirect("coordination:task", pk=pk)


@login_required
def patient_referrals(request: HttpRequest, pk: int) -> HttpResponse:
    """The patient's referrals and tasks, and the form to send parallel referrals."""
    try:
        access = access_patient(request.user, pk, purpose=Purpose.COORDINATION, what="referral")
    except PatientNotFound as exc:
        raise Http404(_("No patient found.")) from exc
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.referral_send(
                access=access,
                services=list(data["services"]),
                need=data["need"],
                reason=data["reason"],
                due_at=data["due_at"],
                priority=data["priority"],
            )
        except actions.CoordinationError as exc:
            form.add_error(None, str(exc.message))
        else:
            count = len(data["services"])
            messages.success(
                request,
                ngettext("%(count)d referral sent.", "%(count)d referrals sent.", count)
                % {"count": count},
            )
            return redirect("coordination:patient", pk=access.patient.pk)
    query = request.GET.get("q", "")[:100]
    target_group = request.GET.get("target_group", "")
    hits: list[Any] = []
    search_error = ""
    if query or target_group:
        try:
            result = search_services(ServiceQuery(q=query, target_group=target_group, page_size=20))
            hits = result.hits
        except SearchError as exc:
            search_error = str(exc)
    chosen = (
        {str(s) for s in request.POST.getlist("services")} if request.method == "POST" else set()
    )
    return render(
        request,
        "coordination/patient.html",
        {
            "access": access,
            "patient": access.patient,
            "form": form,
            "tasks": list(selectors.for_patient(access.patient.pk)),
            "hits": hits,
            "query": query,
            "target_group": target_group,
            "target_groups": TargetGroup.choices,
            "search_error": search_error,
            "chosen": chosen,
            "task_form": TaskForm(assignees=_assignees(access.patient.pk)),
        },
    )


def _assignees(patient_id: int) -> list[tuple[int, str]]:
    return [
        (user.pk, user.get_full_name() or user.get_username())
        for user in selectors.assignable_users(patient_id)
    ]


@login_required
@require_POST
def patient_task_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A task for one person of the patient's circle."""
    try:
        access = access_patient(
            request.user, pk, purpose=Purpose.COORDINATION, action=AuditAction.CREATE, what="task"
        )
    except PatientNotFound as exc:
        raise Http404(_("No patient found.")) from exc
    form = TaskForm(request.POST, assignees=_assignees(access.patient.pk))  # only the circle
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.task_create(
                access=access,
                assignee=User.objects.get(pk=data["assignee"]),
                need=data["need"],
                reason=data["reason"],
                due_at=data["due_at"],
                priority=data["priority"],
            )
        except actions.CoordinationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Task sent."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("coordination:patient", pk=access.patient.pk)
