"""Forms of the follow-up pages (contact, refusal, watch)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from parcours.directory.models import Organisation, Service
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
    offered = forms.CharField(label=_("What was offered"), max_length=300, required=False)
    service = forms.ModelChoiceField(
        label=_("Service offered (directory)"),
        queryset=Service.objects.none(),
        required=False,
        help_text=_("A service of an organisation of the circle or of yours."),
    )
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

    def __init__(self, *args: object, organisation_ids: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["service"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Service.objects.filter(
            organisation_id__in=organisation_ids, active=True
        ).select_related("organisation")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("offered") and not data.get("service"):
            raise forms.ValidationError(_("Say what was offered."))
        return data


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
