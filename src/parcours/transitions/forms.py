"""Forms of the stay page and the protocol configuration page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parcours.accounts.models import Role, User
from parcours.directory.models import Organisation
from parcours.transitions.models import Anchor, Destination, Phase
from parcours.transitions.screening import AnswerType, Instrument

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class ExpectedDischargeForm(forms.Form):
    expected_discharge_at = forms.DateTimeField(
        label=_("Expected discharge"),
        required=False,
        widget=DATETIME_WIDGET,
        input_formats=DATETIME_FORMATS,
    )


def _user_label(user: User) -> str:
    return user.get_full_name() or user.username


class ReferentForm(forms.Form):
    referent = forms.ModelChoiceField(
        label=_("Complex-pathway referent"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("No referent"),
    )

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["referent"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = candidates
        field.label_from_instance = _user_label  # type: ignore[assignment,method-assign]


class DischargeForm(forms.Form):
    discharged_at = forms.DateTimeField(
        label=_("Discharge date and time"),
        widget=DATETIME_WIDGET,
        input_formats=DATETIME_FORMATS,
    )
    destination = forms.ChoiceField(label=_("Destination"), choices=Destination.choices)


class PlanItemForm(forms.Form):
    label = forms.CharField(label=_("What has to be done"), max_length=300)
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices)
    due_at = forms.DateTimeField(
        label=_("Due"), required=False, widget=DATETIME_WIDGET, input_formats=DATETIME_FORMATS
    )
    responsible_role = forms.ChoiceField(
        label=_("Responsible role"),
        required=False,
        choices=[("", "—"), *[(r.value, r.label) for r in Role if r not in Role.admin_roles()]],
    )


def screening_form(instrument: Instrument, data: Any = None) -> forms.Form:
    """A form generated from the instrument's answer keys (labels, types, bounds, choices)."""
    fields: dict[str, forms.Field] = {}
    for answer in instrument.answer_keys:
        if answer.type is AnswerType.BOOLEAN:
            fields[answer.key] = forms.TypedChoiceField(
                label=str(answer.label),
                choices=[("true", _("Yes")), ("false", _("No"))],
                coerce=lambda value: value == "true",
                widget=forms.RadioSelect,
            )
        elif answer.choices:
            fields[answer.key] = forms.TypedChoiceField(
                label=str(answer.label),
                choices=[(c.value, f"{c.value} · {c.label}") for c in answer.choices],
                coerce=int,
            )
        elif answer.type is AnswerType.INTEGER:
            fields[answer.key] = forms.IntegerField(
                label=str(answer.label),
                min_value=answer.minimum,  # type: ignore[arg-type]
                max_value=answer.maximum,  # type: ignore[arg-type]
                required=not answer.nullable,
                help_text=answer.unit,
            )
        else:
            fields[answer.key] = forms.FloatField(
                label=str(answer.label),
                min_value=answer.minimum,
                max_value=answer.maximum,
                required=not answer.nullable,
                help_text=_("Leave empty if unable.") if answer.nullable else answer.unit,
            )
    form_class = type(f"{instrument.code.title()}Form", (forms.Form,), fields)
    form = form_class(data, prefix=instrument.code)
    assert isinstance(form, forms.Form)
    return form


ROLE_CHOICES = [("", "—"), *[(r.value, r.label) for r in Role if r not in Role.admin_roles()]]


class ScheduleForm(forms.Form):
    label_fr = forms.CharField(label=_("Label (French)"), max_length=300, required=False)
    label_nl = forms.CharField(label=_("Label (Dutch)"), max_length=300, required=False)
    label_en = forms.CharField(label=_("Label (English)"), max_length=300, required=False)
    code = forms.SlugField(label=_("Code"), max_length=50, required=False)
    responsible_role = forms.ChoiceField(
        label=_("Responsible role"), choices=ROLE_CHOICES, required=False
    )
    anchor = forms.ChoiceField(label=_("Relative to"), choices=Anchor.choices)
    offset_days = forms.IntegerField(
        label=_("Days after (negative: before)"), min_value=-365, max_value=365, initial=0
    )
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32000, initial=0)

    def label(self) -> dict[str, str]:
        return {
            lang: self.cleaned_data[f"label_{lang}"]
            for lang in ("fr", "nl", "en")
            if self.cleaned_data.get(f"label_{lang}")
        }


class TriggerForm(ScheduleForm):
    field_order = ["instrument", "condition", "ward"]

    ward: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        label=_("Ward"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Whole hospital"),
    )

    instrument = forms.ChoiceField(label=_("Instrument"), choices=[])
    condition = forms.CharField(
        label=_("Condition"),
        max_length=100,
        help_text=_(
            "positive, band=&lt;band&gt;, score&gt;=&lt;number&gt;, answer:&lt;key&gt;=true, "
            "detail:&lt;domain&gt;=true"
        ),
    )

    def __init__(self, *args: Any, wards: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from parcours.transitions.screening import INSTRUMENTS

        ward_field = self.fields["ward"]
        assert isinstance(ward_field, forms.ModelChoiceField)
        ward_field.queryset = wards if wards is not None else Organisation.objects.none()

        field = self.fields["instrument"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(code, str(i.name)) for code, i in INSTRUMENTS.items()]


class ProtocolForm(forms.Form):
    name = forms.CharField(label=_("Protocol name"), max_length=200)
    ward: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        label=_("Ward"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Whole hospital"),
    )

    def __init__(self, *args: Any, wards: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["ward"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = wards
