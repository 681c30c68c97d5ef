"""The request as the operations see it: who asks and the server's base URL."""

from __future__ import annotations

from dataclasses import dataclass

from parcours.accounts.models import User


@dataclass(frozen=True)
class Context:
    user: User
    base: str  # absolute URL of /fhir, without the trailing slash

    def url(self, resource_type: str, resource_id: object) -> str:
        return f"{self.base}/{resource_type}/{resource_id}"
