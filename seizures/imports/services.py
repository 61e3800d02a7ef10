"""Every write of an import run: upload (or confirm a dry run), then carry it out."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import connection, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from casetracker.core.choices import UnitKind
from casetracker.core.roles import Action, can

from .choices import DecimalMark, ImportStatus
from .models import ImportRun
from .pipeline import Pipeline, rare_collections
from .reader import FileRefused, open_source
from .runner import BATCH, _context, _outcomes, _Writer


def may_import_into(user, unit) -> bool:
    """Supervisors into their own control unit; administrators into any control unit."""
    if not can(user, Action.SEIZURE_IMPORT) or unit is None:
        return False
    if unit.kind not in UnitKind.control_units() or not unit.port_id:
        return False
    return user.is_superuser or user.role == "administrator" or user.unit_id == unit.pk


def _enqueue(run: ImportRun) -> None:
    from seizures.tasks import seizures_import

    transaction.on_commit(lambda: seizures_import.delay(run.pk))


@transaction.atomic
def import_run_create(
    *, user, unit, upload, dry_run: bool, decimal_mark: str = DecimalMark.AUTO
) -> ImportRun:
    """Store the upload with its SHA-256, check that it can be read at all (format,
    encoding, header, quotes that close, at least one row), and queue the run. A file
    that cannot be read is refused here, before anything is queued, with the reason."""
    if not may_import_into(user, unit):
        raise PermissionDenied(_("You may not import seizures into this unit."))
    size = upload.size
    if not size:
        raise ValidationError(_("The file is empty."))
    if size > settings.SEIZURE_IMPORT_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s; at most %(limit)s can be imported at once. Split it.")
            % {
                "size": filesizeformat(size),
                "limit": filesizeformat(settings.SEIZURE_IMPORT_MAX_BYTES),
            }
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    try:
        source = open_source(upload)
    except FileRefused as refused:
        raise ValidationError(refused.message) from None
    upload.seek(0)
    run = ImportRun(
        unit=unit,
        original_name=(upload.name or "upload")[:255],
        sha256=digest.hexdigest(),
        size=size,
        layout=source.layout,
        dry_run=dry_run,
        decimal_mark=decimal_mark,
        uploaded_by=user,
        total_rows=source.total_rows,
        notes=source.notes,
    )
    # A caller other than the form may pass a decimal mark the choices lack: refused here.
    run.full_clean(exclude=["file", "uploaded_by", "unit"])
    run.file.save("upload", File(upload), save=False)
    run.save()
    _enqueue(run)
    return run


@transaction.atomic
def import_run_confirm(*, user, run: ImportRun) -> ImportRun:
    """Import for real the file a dry run looked at (the same stored bytes)."""
    if not may_import_into(user, run.unit):
        raise PermissionDenied(_("You may not import seizures into this unit."))
    if not run.dry_run or run.status != ImportStatus.DONE:
        raise ValidationError(_("Only a finished dry run can be confirmed."))
    confirmed = ImportRun.objects.create(
        unit=run.unit,
        file=run.file.name,
        original_name=run.original_name,
        sha256=run.sha256,
        size=run.size,
        layout=run.layout,
        dry_run=False,
        decimal_mark=run.decimal_mark,
        confirms=run,
        uploaded_by=user,
        total_rows=run.total_rows,
        notes=run.notes,
    )
    _enqueue(confirmed)
    return confirmed


def import_run_execute(*, run_id: int) -> ImportRun | None:
    """Carry the run out. Safe to call again (a redelivered task): a finished run is left
    alone, and an interrupted one starts over, skipping what it already stored."""
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.finished:
            return run
        run.status = ImportStatus.RUNNING
        run.started_at = timezone.now()
        run.processed_rows = run.imported_count = run.duplicate_count = 0
        run.rejected_count = run.flagged_count = 0
        run.save()
        run.issues.all().delete()
    try:
        _execute(run)
    except FileRefused as refused:
        _finish(run, ImportStatus.FAILED, error=refused.message)
        return run
    except BaseException:
        # The page must not wait forever. What was stored stays; importing the file again
        # skips it and carries on (every batch is its own transaction).
        _finish(
            run,
            ImportStatus.FAILED,
            error=_(
                "The import stopped on an unexpected error after some rows. Upload the file "
                "again: the seizures already imported are skipped."
            ),
        )
        raise
    _finish(run, ImportStatus.DONE)
    return run


def _execute(run: ImportRun) -> None:
    chosen = DecimalMark(run.decimal_mark).character
    ctx, points = _context(run.unit, chosen)
    writer = _Writer(run, ctx, points)
    # A second thread has its own connection: it cannot see rows of a transaction still
    # open here (tests, or a caller's atomic block), and SQLite takes one writer anyway.
    threaded = (
        settings.SEIZURE_IMPORT_THREADED
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )
    sink = Pipeline(writer) if threaded else writer
    try:
        with rare_collections(), run.file.open("rb") as fileobj:
            source = open_source(fileobj, decimal_mark=chosen or ".")
            batch = []
            for outcome in _outcomes(source, ctx):
                batch.append(outcome)
                if len(batch) >= BATCH:
                    sink.flush(batch)
                    batch = []
            if batch:
                sink.flush(batch)
    finally:
        if threaded:
            sink.close()
        writer.occurrences.close()
    ImportRun.objects.filter(pk=run.pk).update(preview=writer.preview)


def _finish(run: ImportRun, status: str, error: str = "") -> None:
    ImportRun.objects.filter(pk=run.pk).update(
        status=status, error=error, finished_at=timezone.now()
    )
    run.refresh_from_db()
