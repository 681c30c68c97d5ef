from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from parcours.coordination.models import Priority
from parcours.directory.models import Service


class ReferralForm(forms.Form):
    need = forms.CharField(
        label=_("Need"),
        max_length=200,
        help_text=_("What the patient needs, e.g. a post-cure stay after detox."),
    )
    reason = forms.CharField(
        label=_("Reason and context"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    due_at = forms.DateTimeField(
        label=_("Answer needed by"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial="routine")
    services = forms.ModelMultipleChoiceField(
        label=_("Services"),
        queryset=Service.objects.filter(active=True),
        widget=forms.MultipleHiddenInput,
        error_messages={"required": _("Choose at least one service.")},
    )


class TransitionForm(forms.Form):
    status = forms.CharField(max_length=20)
    reason = forms.CharField(max_length=500, required=False)
    outcome = forms.CharField(required=False)


class TaskForm(forms.Form):
    assignee = forms.TypedChoiceField(label=_("For"), coerce=int)
    need = forms.CharField(label=_("Task"), max_length=200)
    reason = forms.CharField(
        label=_("Reason and context"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    due_at = forms.DateTimeField(
        label=_("Answer needed by"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial="routine")

    def __init__(self, *args: object, assignees: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["assignee"].choices = assignees  # type: ignore[attr-defined]
