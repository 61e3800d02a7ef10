"""Photos and documents attached to a seizure: what may be attached, and how it is stored.

An upload is judged by its content, never by its name or the browser's content type: a
file named ``photo.jpg`` that holds a PDF, an executable or a truncated image is refused
with a message that says what it really is. Accepted files are stored under a random name
in the private media root (outside the web root) with their SHA-256, so a copy handed to a
prosecutor can be checked against the one the port logged.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import unicodedata
import uuid
import warnings
import zipfile
from dataclasses import dataclass

import puremagic
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps

from casetracker.core import access
from casetracker.core.choices import HandlingCode
from casetracker.core.roles import Action, can

from .marking import marking_check
from .models import Attachment, AttachmentKind, Seizure

logger = logging.getLogger(__name__)

THUMBNAIL_MAX_PX = 480
# Enough of the start of a file for every signature puremagic knows (PDF may start late).
_HEAD_BYTES = 8192


@dataclass(frozen=True)
class FileType:
    content_type: str
    label: str  # lazy: translated when the message is built
    extensions: tuple[str, ...]
    kind: str
    pillow_format: str = ""


JPEG = FileType(
    "image/jpeg",
    gettext_lazy("a JPEG image"),
    (".jpg", ".jpeg", ".jpe", ".jfif"),
    AttachmentKind.PHOTO,
    "JPEG",
)
PNG = FileType("image/png", gettext_lazy("a PNG image"), (".png",), AttachmentKind.PHOTO, "PNG")
WEBP = FileType(
    "image/webp", gettext_lazy("a WebP image"), (".webp",), AttachmentKind.PHOTO, "WEBP"
)
PDF = FileType(
    "application/pdf", gettext_lazy("a PDF document"), (".pdf",), AttachmentKind.DOCUMENT
)
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    gettext_lazy("a Word document (DOCX)"),
    (".docx",),
    AttachmentKind.DOCUMENT,
)
XLSX = FileType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    gettext_lazy("an Excel workbook (XLSX)"),
    (".xlsx",),
    AttachmentKind.DOCUMENT,
)
ACCEPTED = (JPEG, PNG, WEBP, PDF, DOCX, XLSX)
BY_EXTENSION = {ext: t for t in ACCEPTED for ext in t.extensions}
BY_CONTENT_TYPE = {t.content_type: t for t in ACCEPTED}
# Types a browser may show in the page: images only, never a document that could script.
INLINE_CONTENT_TYPES = frozenset(t.content_type for t in ACCEPTED if t.pillow_format)

_ZIP_MIME_PREFIXES = ("application/vnd.openxmlformats", "application/vnd.ms-", "application/zip")


class _Refused(Exception):
    """The content is of a type we do not accept; ``description`` says what it is."""

    def __init__(self, description: str):
        super().__init__(description)
        self.description = description


def _accepted_list() -> str:
    return _("photos (JPEG, PNG, WebP) and documents (PDF, DOCX, XLSX)")


def _office_type(upload) -> FileType:
    """DOCX or XLSX, told apart by the parts inside the archive (puremagic cannot: both are
    ZIP files). Only the central directory is read; nothing is decompressed, so a zip bomb
    costs nothing here."""
    upload.seek(0)
    try:
        names = set(zipfile.ZipFile(upload).namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _Refused(_("a damaged ZIP archive")) from None
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        # Macros run code on the investigator's machine.
        raise _Refused(_("an Office file with macros"))
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return DOCX
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return XLSX
    raise _Refused(_("a ZIP archive"))


def _detect(upload) -> FileType:
    upload.seek(0)
    head = upload.read(_HEAD_BYTES)
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        matches = []
    if not matches:
        raise _Refused(_("of a type that cannot be recognised"))
    for match in matches:
        if match.mime_type in BY_CONTENT_TYPE and BY_CONTENT_TYPE[match.mime_type].pillow_format:
            return BY_CONTENT_TYPE[match.mime_type]
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04") and any(
        m.mime_type.startswith(_ZIP_MIME_PREFIXES) for m in matches
    ):
        return _office_type(upload)
    best = matches[0]
    # puremagic's names are English; they only ever describe what we refuse.
    raise _Refused(
        _("a file of type %(type)s") % {"type": best.name or best.mime_type or best.extension}
    )


def _check_image(upload, file_type: FileType) -> None:
    """Pillow must decode the whole picture: a truncated or corrupt image would otherwise be
    stored as evidence that cannot be opened."""
    upload.seek(0)
    with warnings.catch_warnings():
        # Above Image.MAX_IMAGE_PIXELS Pillow only warns; a decompression bomb must be refused.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(upload) as image:
                if image.format != file_type.pillow_format:
                    raise _Refused(_("an unreadable image"))
                image.verify()
            upload.seek(0)
            with Image.open(upload) as image:
                # Decoding at reduced scale still reads every byte of a JPEG, at a fraction of
                # the memory; other formats decode in full.
                image.draft("RGB", (THUMBNAIL_MAX_PX, THUMBNAIL_MAX_PX))
                image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationError(
                _("%(name)s is too large a picture (more than %(pixels)s pixels)."),
                code="image_too_large",
                params={"name": _display_name(upload), "pixels": f"{Image.MAX_IMAGE_PIXELS:,}"},
            ) from None
        except _Refused:
            raise
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            # Pillow reports broken data as any of these.
            logger.info("Refused corrupt image upload: %s", exc)
            raise ValidationError(
                _("%(name)s is damaged or incomplete and cannot be opened as %(type)s."),
                code="corrupt_image",
                params={"name": _display_name(upload), "type": file_type.label},
            ) from None
        finally:
            upload.seek(0)


def _display_name(upload) -> str:
    return clean_file_name(getattr(upload, "name", "") or "")


def clean_file_name(name: str) -> str:
    """The uploader's file name, safe to show and to offer back on download: no directory
    part, no control characters, at most 255 characters with the extension kept."""
    name = unicodedata.normalize("NFC", str(name)).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if not name:
        return _("attachment")
    if len(name) > 255:
        stem, ext = os.path.splitext(name)
        name = stem[: 255 - len(ext[:20])] + ext[:20]
    return name


def validate_upload(upload) -> tuple[str, str]:
    """The content type and natural kind (photo or document) of an acceptable upload.

    Raises ValidationError (codes: empty, too_large, unsupported_type, mislabelled,
    corrupt_image, image_too_large) with a message that names the file.
    """
    name = _display_name(upload)
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("%(name)s is empty."), code="empty", params={"name": name})
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("%(name)s is %(size)s; files up to %(limit)s can be attached."),
            code="too_large",
            params={
                "name": name,
                "size": filesizeformat(size),
                "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
            },
        )
    extension = os.path.splitext(name)[1].lower()
    claimed = BY_EXTENSION.get(extension)
    try:
        detected = _detect(upload)
    except _Refused as refused:
        if claimed:
            raise ValidationError(
                _("%(name)s is not %(claimed)s: its content is %(actual)s."),
                code="mislabelled",
                params={"name": name, "claimed": claimed.label, "actual": refused.description},
            ) from None
        raise ValidationError(
            _("%(name)s is %(actual)s, which cannot be attached. You can attach %(accepted)s."),
            code="unsupported_type",
            params={"name": name, "actual": refused.description, "accepted": _accepted_list()},
        ) from None
    finally:
        upload.seek(0)
    if extension and extension not in detected.extensions:
        if claimed:
            message = _("%(name)s is %(actual)s, not %(claimed)s.")
        else:
            message = _(
                "%(name)s is %(actual)s but its name ends in %(extension)s; "
                "rename it to end in %(expected)s."
            )
        raise ValidationError(
            message,
            code="mislabelled",
            params={
                "name": name,
                "actual": detected.label,
                "claimed": claimed.label if claimed else "",
                "extension": extension,
                "expected": detected.extensions[0],
            },
        )
    if detected.pillow_format:
        try:
            _check_image(upload, detected)
        except _Refused as refused:
            raise ValidationError(
                _("%(name)s is not %(claimed)s: its content is %(actual)s."),
                code="mislabelled",
                params={"name": name, "claimed": detected.label, "actual": refused.description},
            ) from None
    return detected.content_type, detected.kind


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    # chunks() rewinds and streams: a 20 MiB upload is never held in memory at once.
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _resolve_kind(requested: str, content_type: str, natural_kind: str, name: str) -> str:
    if not requested:
        return natural_kind
    if requested not in AttachmentKind.values:
        raise ValidationError(
            {"kind": ValidationError(_("Choose photo or document."), code="invalid_choice")}
        )
    if requested == AttachmentKind.PHOTO and content_type not in INLINE_CONTENT_TYPES:
        raise ValidationError(
            {
                "kind": ValidationError(
                    _("%(name)s is %(type)s and cannot be attached as a photo."),
                    code="not_a_photo",
                    params={"name": name, "type": BY_CONTENT_TYPE[content_type].label},
                )
            }
        )
    # A photographed bill of lading may be filed as a document: any accepted type may.
    return requested


def attachment_add(
    *,
    user,
    seizure: Seizure,
    upload,
    kind: str = "",
    caption: str = "",
    agency=None,
    handling_code: int = HandlingCode.H1,
) -> Attachment:
    """Attach an uploaded file to a seizure the user may change, marked with the agency
    that contributed it and its handling code.

    Raises PermissionDenied, or ValidationError keyed by field (file, kind, caption,
    agency, handling_code); on any error nothing is stored, neither row nor file.
    """
    may_change = access.restrict(
        user, "seizures.change_seizure", Seizure.objects.filter(pk=seizure.pk)
    ).exists()
    if not may_change or not can(user, Action.ATTACHMENT_ADD):
        raise PermissionDenied
    name = _display_name(upload)
    try:
        content_type, natural_kind = validate_upload(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.error_list}) from None
    attachment = Attachment(
        seizure=seizure,
        kind=_resolve_kind(kind, content_type, natural_kind, name),
        original_name=name,
        content_type=content_type,
        size=upload.size,
        sha256=_sha256(upload),
        caption=caption.strip(),
        uploaded_by=user,
        agency=agency,
        handling_code=handling_code,
    )
    marking_check(seizure=seizure, agency=agency)
    attachment.full_clean(exclude=["file", "thumbnail"])
    with transaction.atomic():
        # The name passed here is ignored by upload_to, which picks a random one.
        attachment.file.save(name, upload, save=False)
        try:
            attachment.save()
        except Exception:
            attachment.file.delete(save=False)
            raise
        if attachment.kind == AttachmentKind.PHOTO:
            from .tasks import attachment_make_thumbnail

            transaction.on_commit(lambda: attachment_make_thumbnail.delay(attachment.pk))
    return attachment


def attachment_thumbnail_make(*, attachment: Attachment) -> Attachment:
    """Write a JPEG of at most 480 px, upright, with no metadata.

    Photos from phones carry EXIF with the GPS position of whoever took them; the thumbnail
    is a fresh image so none of it survives. Idempotent: a second call finds the thumbnail
    under the row lock and returns.
    """
    with transaction.atomic():
        attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
        if attachment.thumbnail or attachment.content_type not in INLINE_CONTENT_TYPES:
            return attachment
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with attachment.file.open("rb") as source, Image.open(source) as image:
                image.draft("RGB", (THUMBNAIL_MAX_PX, THUMBNAIL_MAX_PX))
                image = ImageOps.exif_transpose(image)
                image.thumbnail((THUMBNAIL_MAX_PX, THUMBNAIL_MAX_PX))
                clean = Image.new("RGB", image.size, "white")
                if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                    rgba = image.convert("RGBA")
                    clean.paste(rgba, mask=rgba.getchannel("A"))
                else:
                    clean.paste(image.convert("RGB"))
        buffer = io.BytesIO()
        clean.save(buffer, "JPEG", quality=85, optimize=True)
        attachment.thumbnail.save(
            f"{uuid.uuid4().hex}.jpg", ContentFile(buffer.getvalue()), save=False
        )
        try:
            attachment.save(update_fields=["thumbnail"])
        except Exception:
            attachment.thumbnail.delete(save=False)
            raise
    return attachment
