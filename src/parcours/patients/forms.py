from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from parcours.patients.access import BREAK_GLASS_MIN_REASON
from parcours.patients.identifiers import IdentifierSystem
from parcours.patients.models import (
    AdministrativeSex,
    ConsentMethod,
    ConsentStatus,
    LegalScope,
    MemberRole,
    Visibility,
)

LANGUAGE_CHOICES = [
    ("fr", _("French")),
    ("nl", _("Dutch")),
    ("en", _("English")),
    ("de", _("German")),
    ("ar", _("Arabic")),
]


class PatientForm(forms.Form):
    given_name = forms.CharField(label=_("Given name"), max_length=100)
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    birth_date = forms.DateField(
        label=_("Birth date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    gender_identity = forms.CharField(
        label=_("Gender identity"),
        max_length=100,
        required=False,
        help_text=_("As the person states it."),
    )
    pronouns = forms.CharField(label=_("Pronouns"), max_length=60, required=False)
    administrative_sex = forms.ChoiceField(
        label=_("Administrative sex"),
        choices=AdministrativeSex.choices,
        initial=AdministrativeSex.UNKNOWN,
        help_text=_("Only for the documents that require it."),
    )
    address_line = forms.CharField(label=_("Address"), max_length=200, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=10, required=False)
    languages = forms.MultipleChoiceField(
        label=_("Preferred languages"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    identifier_system = forms.ChoiceField(
        label=_("Identifier type"), choices=IdentifierSystem.choices, required=False
    )
    identifier_value = forms.CharField(label=_("Identifier"), max_length=40, required=False)
    is_provisional = forms.BooleanField(
        label=_("Provisional identity (no national number yet)"), required=False
    )
    confirm_not_duplicate = forms.BooleanField(
        label=_("I checked: this is a different person"), required=False
    )


class IdentifierForm(forms.Form):
    system = forms.ChoiceField(label=_("Identifier type"), choices=IdentifierSystem.choices)
    value = forms.CharField(label=_("Identifier"), max_length=40)


class MergeForm(forms.Form):
    target = forms.IntegerField(
        label=_("Number of the record to keep"),
        min_value=1,
        help_text=_("Everything in this record moves there; this record then points to it."),
    )


class DirectoryMemberForm(forms.Form):
    target = forms.RegexField(regex=r"^(professional|service|organisation):\d+$")
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[c for c in MemberRole.choices if c[0] not in MemberRole.person_roles()],
    )
    visibility = forms.ChoiceField(label=_("May see"), choices=Visibility.choices)
    is_referent = forms.BooleanField(label=_("Referent of the circle"), required=False)
    patient_confirmed = forms.BooleanField(label=_("Confirmed by the patient"), required=False)


class PersonMemberForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[c for c in MemberRole.choices if c[0] in MemberRole.person_roles()],
    )
    person_name = forms.CharField(label=_("Name"), max_length=200)
    person_relationship = forms.CharField(label=_("Relationship"), max_length=60, required=False)
    person_phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    person_language = forms.ChoiceField(
        label=_("Language"), choices=[("", "—"), *settings.LANGUAGES], required=False
    )
    legal_scope = forms.ChoiceField(
        label=_("Legal scope (legal representative)"),
        choices=[("", "—"), *LegalScope.choices],
        required=False,
    )
    legal_basis = forms.CharField(label=_("Decision it rests on"), max_length=200, required=False)
    visibility = forms.ChoiceField(label=_("May see"), choices=Visibility.choices)
    patient_confirmed = forms.BooleanField(label=_("Confirmed by the patient"), required=False)


class ConsentForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Consent to share within the circle"), choices=ConsentStatus.choices
    )
    method = forms.ChoiceField(label=_("How"), choices=ConsentMethod.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ExclusionForm(forms.Form):
    professional = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason (optional)"), max_length=300, required=False)


class BreakGlassLookupForm(forms.Form):
    system = forms.ChoiceField(label=_("Identifier type"), choices=IdentifierSystem.choices)
    value = forms.CharField(label=_("Identifier"), max_length=40)
    reason = forms.CharField(
        label=_("Why do you need this record now?"),
        min_length=BREAK_GLASS_MIN_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need this record now?"),
        min_length=BREAK_GLASS_MIN_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
