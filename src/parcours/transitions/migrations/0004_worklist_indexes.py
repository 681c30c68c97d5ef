"""Indexes for the liaison team's worklist (transitions.worklist).

Plain SQL (same on SQLite and PostgreSQL) so the models of the stays area stay untouched: the
worklist counts a stay's overdue open plan items (stay, status, due date); the existing
(status, due_at) index would make that scan every open item of every stay.
"""

from django.db import migrations

INDEXES = [
    (
        "plan_item_stay_status_due",
        "transitions_planitem (stay_id, status, due_at)",
    ),
    (
        "circle_member_patient_role",
        "patients_circlemember (patient_id, role, start_date)",
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("transitions", "0003_discharge_planning"),
        ("patients", "0002_notifications_move_to_messaging"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON {target}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, target in INDEXES
    ]
