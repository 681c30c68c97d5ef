"""Discharge-disposition maps now name stay destinations; FHIR codes already stored are
rewritten as the destination they mean (the handler still reads both)."""

from typing import Any

from django.db import migrations, models

FHIR_TO_DESTINATION = {
    "home": "home",
    "alt-home": "home",
    "other-hcf": "other_hospital",
    "hosp": "other",
    "long": "nursing_home",
    "aadvice": "other",
    "exp": "deceased",
    "psy": "other_hospital",
    "rehab": "rehabilitation",
    "snf": "nursing_home",
    "oth": "other",
}


def to_destinations(apps: Any, schema_editor: Any) -> None:
    Hl7Source = apps.get_model("interop", "Hl7Source")
    for source in Hl7Source.objects.all():
        mapped = {
            code: FHIR_TO_DESTINATION.get(value, value)
            for code, value in source.discharge_dispositions.items()
        }
        if mapped != source.discharge_dispositions:
            source.discharge_dispositions = mapped
            source.save(update_fields=["discharge_dispositions"])


class Migration(migrations.Migration):
    dependencies = [
        ("interop", "0001_hl7_sources_and_inbound_messages"),
    ]

    operations = [
        migrations.AlterField(
            model_name="hl7source",
            name="discharge_dispositions",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="PV1-36 code of this source → destination of the stay.",
                verbose_name="discharge-disposition map",
            ),
        ),
        migrations.RunPython(to_destinations, migrations.RunPython.noop),
    ]
