from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.messaging.models import TransmissionKind
from parcours.messaging.transmission_selectors import RecipientOption

DEFAULT_DELAY = timedelta(hours=48)


class TransmissionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=TransmissionKind.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 8}))
    recipients = forms.MultipleChoiceField(
        label=_("Recipients"), widget=forms.CheckboxSelectMultiple, choices=()
    )
    acknowledge_by = forms.DateTimeField(
        label=_("To acknowledge by"),
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args: Any, options: list[RecipientOption], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options = {str(option.member.pk): option for option in options}
        field = self.fields["recipients"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [
            (key, str(option.member)) for key, option in self.options.items() if option.can_receive
        ]
        if not self.is_bound:
            deadline = timezone.localtime(timezone.now() + DEFAULT_DELAY).replace(
                second=0, microsecond=0
            )
            self.initial.setdefault("acknowledge_by", deadline)


class HandOverForm(forms.Form):
    note = forms.CharField(
        label=_("How was it handed over and confirmed?"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("Read to her son by phone on 12/03")}),
    )
