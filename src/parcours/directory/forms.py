"""The directory search form and the capacity form (pages)."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.directory.models import CapacityStatus, OrganisationType, Profession, TargetGroup
from parcours.directory.selectors import (
    ProfessionalQuery,
    SearchError,
    ServiceQuery,
    municipality_choices,
    municipality_lookup,
)

LANGUAGE_CHOICES = [
    ("", _("Any language")),
    ("fr", _("French")),
    ("nl", _("Dutch")),
    ("en", _("English")),
    ("de", _("German")),
    ("ar", _("Arabic")),
    ("tr", _("Turkish")),
    ("es", _("Spanish")),
]


def _blank(label: Any, choices: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class SearchForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Look for"),
        choices=[("services", _("Services")), ("professionals", _("Professionals and referents"))],
        required=False,
    )
    q = forms.CharField(label=_("What do you need?"), required=False, max_length=200)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=_blank(_("Any category"), OrganisationType.choices),
        required=False,
    )
    target_group = forms.ChoiceField(
        label=_("For"), choices=_blank(_("Anyone"), TargetGroup.choices), required=False
    )
    profession = forms.ChoiceField(
        label=_("Profession"),
        choices=_blank(_("Any profession"), Profession.choices),
        required=False,
    )
    language = forms.ChoiceField(label=_("Speaks"), choices=LANGUAGE_CHOICES, required=False)
    municipality = forms.CharField(
        label=_("Serves the municipality"), required=False, max_length=20, widget=forms.Select
    )
    open_at = forms.DateTimeField(
        label=_("Open on"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    accepting = forms.BooleanField(label=_("Has capacity now"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        choices=[("relevance", _("Relevance")), ("distance", _("Distance"))],
        required=False,
    )
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        extra = []
        chosen = self.data.get("municipality") if self.is_bound else None
        if chosen:
            with contextlib.suppress(SearchError):  # reported when the form is used
                extra.append(municipality_lookup(chosen))
        choices = [("", _("Any municipality"))] + [
            (f"{m.country}:{m.code}", f"{m.display_name} ({m.country})")
            for m in municipality_choices(extra)
        ]
        self.fields["municipality"].widget.choices = choices

    def _common(self) -> dict[str, Any]:
        data = self.cleaned_data
        municipality = None
        if data.get("municipality"):
            try:
                municipality = municipality_lookup(data["municipality"])
            except SearchError as exc:
                self.add_error("municipality", str(exc))
        return {"municipality": municipality, "page": data.get("page") or 1}

    def service_query(self) -> ServiceQuery:
        data = self.cleaned_data
        open_at: datetime | None = data.get("open_at")
        if open_at is not None and timezone.is_naive(open_at):
            open_at = timezone.make_aware(open_at)
        return ServiceQuery(
            q=data.get("q") or "",
            category=data.get("category") or "",
            target_group=data.get("target_group") or "",
            language=data.get("language") or "",
            open_at=open_at,
            accepting=bool(data.get("accepting")),
            sort=data.get("sort") or "relevance",
            **self._common(),
        )

    def professional_query(self) -> ProfessionalQuery:
        data = self.cleaned_data
        return ProfessionalQuery(
            q=data.get("q") or "",
            profession=data.get("profession") or "",
            language=data.get("language") or "",
            accepting_new_patients=bool(data.get("accepting")),
            **self._common(),
        )


class CapacityForm(forms.Form):
    status = forms.ChoiceField(label=_("Capacity"), choices=CapacityStatus.choices)
    waiting_list_length = forms.IntegerField(
        label=_("People waiting"), min_value=0, max_value=100000, required=False
    )
    typical_wait_days = forms.IntegerField(
        label=_("Typical wait (days)"), min_value=0, max_value=3650, required=False
    )
