# The audit log is never shown or edited through Django admin: it holds patient-linked rows.
