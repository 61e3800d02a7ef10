"""The demo's forensic work: samples at the lab examined, matching profiles proposing links."""

from django.core.management import call_command

from forensics.choices import TaskStatus
from forensics.models import ForensicTask

from .. import factories as f


def test_seed_forensics_examines_the_samples_sent_to_the_lab(
    officer, lab, lab_custodian, examiner, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path / "private"
    for _ in range(9):
        f.log_seizure(officer, submit=True)
    call_command("seed_evidence", "--per-unit", "9")
    call_command("seed_forensics")
    tasks = ForensicTask.objects.all()
    assert tasks.exists() and all(task.lab_id == lab.pk for task in tasks)
    assert {task.status for task in tasks} >= {TaskStatus.REQUESTED, TaskStatus.REPORTED}
    count = tasks.count()
    call_command("seed_forensics", "--if-empty")
    assert ForensicTask.objects.count() == count
