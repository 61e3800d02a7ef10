"""The seizure's date at its port, filled in for the seizures already stored."""

from django.db import migrations, models

from casetracker.core.timezones import local_date

BATCH = 2000


def fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # One statement, with the database's own time zone data: millions of rows.
        schema_editor.execute(
            "UPDATE seizures_seizure s SET occurred_on = "
            "(s.occurred_at AT TIME ZONE p.timezone)::date "
            "FROM core_port p WHERE p.locode = s.port_id"
        )
        return
    Seizure = apps.get_model("seizures", "Seizure")
    rows = Seizure.objects.order_by("pk").values_list("pk", "occurred_at", "port__timezone")
    last = 0
    while batch := list(rows.filter(pk__gt=last)[:BATCH]):
        Seizure.objects.bulk_update(
            [Seizure(pk=pk, occurred_on=local_date(at, zone)) for pk, at, zone in batch],
            ["occurred_on"],
        )
        last = batch[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("seizures", "0004_import_issue_kind_label"),
    ]

    operations = [
        migrations.AddField(
            model_name="seizure",
            name="occurred_on",
            field=models.DateField(editable=False, null=True, verbose_name="date at the port"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="seizure",
            name="occurred_on",
            field=models.DateField(editable=False, verbose_name="date at the port"),
        ),
    ]
