"""The periodic work referrals need, in django-celery-beat's tables so one beat process
runs it: the outbox sweep every minute and the deadline check every five."""

from django.db import migrations

SCHEDULES = (
    ("referrals: sweep the outbox", "referrals.tasks.referrals_sweep_outbox", 1),
    ("referrals: reminders and escalations", "referrals.tasks.referrals_check_deadlines", 5),
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
        ("referrals", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
