# Tasks and referrals are patient-linked: never registered in Django admin (see
# parcours.patients.access and parcours.coordination.access).
