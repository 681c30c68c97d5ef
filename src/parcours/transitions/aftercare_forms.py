"""Forms of the follow-up pages (contact, refusal, watch)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from parcours.directory.models import Organisation
from parcours.transitions.aftercare_models import ContactChannel, RefusedBy

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ContactForm(forms.Form):
    channel = forms.ChoiceField(label=_("How"), choices=ContactChannel.choices)
    at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=DATETIME,
        help_text=_("Leave empty for now."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReactivateForm(forms.Form):
    help_given = forms.CharField(
        label=_("Help reactivated"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: home help twice a week again, meals on wheels."),
    )
    channel = forms.ChoiceField(label=_("How"), choices=ContactChannel.choices)


class RefusalForm(forms.Form):
    offered = forms.CharField(label=_("What was offered"), max_length=300)
    refused_by = forms.ChoiceField(label=_("Refused by"), choices=RefusedBy.choices)
    at = forms.DateTimeField(
        label=_("When"), required=False, widget=DATETIME, help_text=_("Leave empty for now.")
    )
    reason = forms.CharField(
        label=_("Reason given"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WatchStartForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Watching organisation"), queryset=Organisation.objects.none()
    )
    reason = forms.CharField(label=_("Why"), required=False, max_length=300)

    def __init__(self, *args: object, organisations: list[Organisation], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations])


class WatchEndForm(forms.Form):
    reason = forms.CharField(label=_("Why the watch ends"), max_length=300)
