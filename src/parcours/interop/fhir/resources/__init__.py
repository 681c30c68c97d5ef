"""The resource types: importing this package registers each module's ResourceType.

To add one: write a module that calls `register(ResourceType(...))` and import it here.
"""

from parcours.interop.fhir.resources import (  # noqa: F401
    circle,
    communication,
    consent,
    encounter,
    healthcare_service,
    location,
    organization,
    patient,
    practitioner,
    practitioner_role,
    questionnaire_response,
    task,
)
