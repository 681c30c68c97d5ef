"""The patient access of a page: `access_patient` for the signed-in user, a refusal as 404."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from parcours.patients.access import PatientAccess, PatientNotFound, access_patient


def patient_access_or_404(request: HttpRequest, pk: int, **kwargs: Any) -> PatientAccess:
    """Unknown and not allowed give the same 404 (the refusal is audited by access_patient)."""
    try:
        return access_patient(request.user, pk, **kwargs)
    except PatientNotFound as exc:
        raise Http404(_("No patient found.")) from exc
