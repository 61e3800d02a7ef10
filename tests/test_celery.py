"""Celery as the operator runs it: tasks survive a dying worker, run only after commit, and
go through a real broker to a real worker when one is configured."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from PIL import Image

from casetracker.celery import app
from seizures.attachments import attachment_add
from seizures.models import Attachment

from . import factories as f
from . import services

ROUND_TRIP_TIMEOUT = 30


def jpeg_upload(name: str = "container-door.jpg", size=(1200, 900)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (40, 90, 160)).save(buffer, "JPEG", quality=80)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def thumbnail_size(attachment: Attachment) -> tuple[int, int]:
    with attachment.thumbnail.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG"
        return image.size


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


def test_its_workers_give_a_task_back_when_they_die_before_finishing_it():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    # A worker holding tasks it has not started would take them down with it.
    assert app.conf.worker_prefetch_multiplier == 1
    # Redis hands an unacknowledged task to another worker only after this long; it must
    # outlast the longest task or a slow task would run twice.
    assert app.conf.broker_transport_options["visibility_timeout"] > app.conf.task_time_limit


def test_it_stops_a_task_that_runs_too_long():
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit


def test_it_only_exchanges_json_with_the_broker():
    # pickle from a broker anyone on the network can write to would run their code.
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]


def test_its_schedules_live_in_the_database():
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


def test_its_worker_finds_the_apps_tasks():
    app.loader.import_default_modules()
    assert "seizures.tasks.attachment_make_thumbnail" in app.tasks


def test_it_makes_a_photo_thumbnail_only_once_the_upload_is_committed(
    officer, seizure, private_media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        attachment = attachment_add(user=officer, seizure=seizure, upload=jpeg_upload())
        # Still inside the transaction: a worker would not see the row yet.
        assert not Attachment.objects.get(pk=attachment.pk).thumbnail

    assert len(callbacks) == 1
    assert not Attachment.objects.get(pk=attachment.pk).thumbnail

    callbacks[0]()  # the commit

    assert max(thumbnail_size(Attachment.objects.get(pk=attachment.pk))) == 480


class Abandoned(Exception):
    pass


def test_it_enqueues_nothing_for_an_upload_that_is_rolled_back(
    officer, seizure, private_media, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(Abandoned),
        transaction.atomic(),
    ):
        attachment_add(user=officer, seizure=seizure, upload=jpeg_upload())
        raise Abandoned

    assert callbacks == []
    assert not Attachment.objects.exists()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_makes_the_thumbnail_of_an_uploaded_photo(private_media, tmp_path):
    broker_url = services.round_trip_broker_url()
    services.require(
        services.redis_reachable(broker_url), f"Redis is not reachable at {broker_url}"
    )
    officer = f.UserFactory(username="officer", unit=f.pcu("ECGYE"))
    seizure = f.log_seizure(officer)
    queue = services.unique_queue()
    worker = services.CeleryWorker(
        database_url=services.database_url(connection.settings_dict),
        broker_url=broker_url,
        queue=queue,
        media_root=private_media,
        log=tmp_path / "worker.log",
    )

    try:
        with worker, services.celery_sends_to(broker_url=broker_url, queue=queue):
            attachment = attachment_add(user=officer, seizure=seizure, upload=jpeg_upload())
            # The commit has happened and the task is on the broker; this process made
            # nothing itself.
            assert not Attachment.objects.get(pk=attachment.pk).thumbnail
            done = services.wait_for(
                lambda: Attachment.objects.exclude(thumbnail="").filter(pk=attachment.pk).first(),
                timeout=ROUND_TRIP_TIMEOUT,
            )
            assert done, f"no thumbnail after {ROUND_TRIP_TIMEOUT} s:\n{worker.log_tail()}"
    finally:
        services.redis_delete_queue(broker_url, queue)

    assert max(thumbnail_size(done)) == 480
    log = worker.log()
    assert "seizures.tasks.attachment_make_thumbnail" in log
    assert "succeeded" in log
    assert worker.process.returncode == 0, worker.log_tail()  # a clean, warm shutdown
