from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "parcours.interop"
    label = "interop"
    verbose_name = _("Interoperability")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from parcours.directory.models import Organisation
        from parcours.interop.hl7v2.domain_actions import clear_lookup_cache
        from parcours.interop.hl7v2.ingest import clear_source_cache
        from parcours.interop.models import Hl7Source

        for model in (Hl7Source, Organisation):
            post_save.connect(
                clear_source_cache, sender=model, dispatch_uid=f"hl7-{model.__name__}"
            )
            post_delete.connect(
                clear_source_cache, sender=model, dispatch_uid=f"hl7-del-{model.__name__}"
            )
        from parcours.territory.models import Municipality

        for lookup_model in (Organisation, Municipality):
            post_save.connect(
                clear_lookup_cache,
                sender=lookup_model,
                dispatch_uid=f"hl7-lookup-{lookup_model.__name__}",
            )
            post_delete.connect(
                clear_lookup_cache,
                sender=lookup_model,
                dispatch_uid=f"hl7-del-lookup-{lookup_model.__name__}",
            )
