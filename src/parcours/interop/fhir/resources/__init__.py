"""The resource types: importing this package registers each module's ResourceType.

To add one (Task, Communication, QuestionnaireResponse once their apps exist): write a module
that calls `register(ResourceType(...))` and import it here.
"""

from parcours.interop.fhir.resources import (  # noqa: F401
    circle,
    consent,
    encounter,
    healthcare_service,
    location,
    organization,
    patient,
    practitioner,
    practitioner_role,
)
