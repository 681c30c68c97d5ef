# Stays are patient-linked: never registered in Django admin (see parcours.patients.access).
