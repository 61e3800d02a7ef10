"""The periodic work referrals rely on is scheduled in the database for the one beat process."""

import pytest
from django_celery_beat.models import PeriodicTask

from casetracker.celery import app


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("task", "minutes"),
    [
        ("referrals.tasks.referrals_sweep_outbox", 1),
        ("referrals.tasks.referrals_check_deadlines", 5),
    ],
)
def test_beat_runs_the_referral_housekeeping_on_its_schedule(task, minutes):
    scheduled = PeriodicTask.objects.select_related("interval").get(task=task)
    assert scheduled.enabled
    assert (scheduled.interval.every, scheduled.interval.period) == (minutes, "minutes")
    # A schedule naming a task the workers do not know would fail silently every run.
    app.loader.import_default_modules()
    assert task in app.tasks
