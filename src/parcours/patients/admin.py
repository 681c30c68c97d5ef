# Patient-linked models are never registered in Django admin: platform administrators manage
# the platform, not patients, and every access must go through `parcours.patients.access`.
