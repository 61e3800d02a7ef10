"""Digital evidence: files hashed while they are streamed into private storage.

The SHA-256 is computed over exactly the bytes written to disk, in one pass, so the hash the
page shows is the hash of the stored copy. Files live under the private media root
(outside the web root, served only through an audited view as downloads, never inline)
under a random name. Any type is accepted, since a phone extraction or a video is
evidence too, but not an empty file nor one above ``CASETRACKER_EVIDENCE_FILE_MAX_BYTES``.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from seizures.attachments import clean_file_name

CHUNK = 1024 * 1024


def _too_large(name: str, size: int) -> ValidationError:
    return ValidationError(
        {
            "file": _("%(name)s is %(size)s; evidence files up to %(limit)s can be stored.")
            % {
                "name": name,
                "size": filesizeformat(size),
                "limit": filesizeformat(settings.EVIDENCE_FILE_MAX_BYTES),
            }
        }
    )


def store_upload(upload, *, seizure) -> dict:
    """Stream ``upload`` into private storage, hashing as it goes; the facts
    ``services.item_create`` records (``stored_name``, ``name``, ``size``, ``sha256``)."""
    name = clean_file_name(getattr(upload, "name", "") or "")
    if (upload.size or 0) > settings.EVIDENCE_FILE_MAX_BYTES:
        raise _too_large(name, upload.size)
    stored_name = f"evidence/{seizure.public_id}/{uuid.uuid4().hex}"
    path = Path(default_storage.path(stored_name))
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    # O_EXCL: a random name that already exists means something is wrong; never overwrite.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            upload.seek(0)
            for chunk in upload.chunks(CHUNK):
                size += len(chunk)
                if size > settings.EVIDENCE_FILE_MAX_BYTES:
                    raise _too_large(name, size)
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size == 0:
        path.unlink(missing_ok=True)
        raise ValidationError({"file": _("%(name)s is empty.") % {"name": name}})
    return {"stored_name": stored_name, "name": name, "size": size, "sha256": digest.hexdigest()}


def discard(stored_name: str) -> None:
    """Remove a stored file whose item was never created (the transaction failed)."""
    default_storage.delete(stored_name)


def file_sha256(item) -> str | None:
    """The SHA-256 of the stored copy now, or None when the file is gone."""
    digest = hashlib.sha256()
    try:
        with item.file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    return digest.hexdigest()
