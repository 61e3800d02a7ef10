"""The deadline check of forensic tasks, in django-celery-beat's tables so one beat process
runs it every five minutes (it also re-publishes e-mails a broker outage held back)."""

from django.db import migrations

SCHEDULES = (
    ("forensics: reminders and escalations", "forensics.tasks.forensics_check_deadlines", 5),
)


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minutes in SCHEDULES:
        every, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "interval": every, "enabled": True}
        )


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, _task, _m in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("forensics", "0001_tasks_and_links"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
