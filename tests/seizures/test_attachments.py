import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import resolve_url
from django.urls import reverse
from PIL import ExifTags, Image

from casetracker.core.choices import HandlingCode
from seizures import sharing
from seizures.attachments import attachment_add, validate_upload
from seizures.models import Attachment
from seizures.tasks import attachment_make_thumbnail

GPS_LATITUDE = (2.0, 11.0, 30.0)  # where the officer stood: must never leave the original


def image_bytes(fmt="JPEG", size=(64, 48), exif=None, noise=False) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    if noise:
        image = Image.effect_noise(size, 80).convert("RGB")
    buffer = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def office_bytes(main_part: str, *extra: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<x/>")
        for name in extra:
            archive.writestr(name, "x")
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type="application/octet-stream"):
    # The browser's content type is deliberately wrong: only the content may count.
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path / "private"
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    return settings.MEDIA_ROOT


def add(user, seizure, name, data, **kwargs) -> Attachment:
    return attachment_add(user=user, seizure=seizure, upload=upload(name, data), **kwargs)


# --- what may be attached ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type", "kind"),
    [
        ("container.jpg", image_bytes("JPEG"), "image/jpeg", "photo"),
        ("packages.PNG", image_bytes("PNG"), "image/png", "photo"),
        ("bill of lading.pdf", pdf_bytes(), "application/pdf", "document"),
    ],
)
def test_it_stores_accepted_files_privately_with_their_sha256(
    officer, seizure, media, name, data, content_type, kind
):
    attachment = add(officer, seizure, name, data)

    attachment.refresh_from_db()
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert (attachment.content_type, attachment.kind) == (content_type, kind)
    assert attachment.size == len(data)
    assert attachment.original_name == name
    path = Path(attachment.file.path).resolve()
    assert path.read_bytes() == data
    assert path.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    assert not path.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    # The uploader's name never reaches the disk.
    assert Path(name).stem not in path.name
    assert str(seizure.public_id) in str(path)


def test_it_accepts_word_and_excel_files_told_apart_by_their_content(officer, seizure):
    word = add(officer, seizure, "report.docx", office_bytes("word/document.xml"))
    sheet = add(officer, seizure, "manifest.xlsx", office_bytes("xl/workbook.xml"))
    assert word.content_type.endswith("wordprocessingml.document")
    assert sheet.content_type.endswith("spreadsheetml.sheet")
    assert word.kind == sheet.kind == "document"


@pytest.mark.parametrize(
    ("name", "data", "code", "says"),
    [
        ("empty.jpg", b"", "empty", "empty.jpg is empty."),
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 400, "unsupported_type", "Windows Executable"),
        ("files.zip", office_bytes("notes.txt"), "unsupported_type", "a ZIP archive"),
        (
            "page.html",
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            "unsupported_type",
            "cannot be attached",
        ),
        ("photo.jpg", pdf_bytes(), "mislabelled", "photo.jpg is a PDF document, not a JPEG image."),
        ("photo.jpg", b"\x01\x02garbage" * 50, "mislabelled", "photo.jpg is not a JPEG image"),
        ("scan.png", image_bytes("JPEG"), "mislabelled", "is a JPEG image, not a PNG image"),
        ("photo.txt", image_bytes("JPEG"), "mislabelled", "rename it to end in .jpg"),
        ("truncated.jpg", image_bytes("JPEG", (300, 200), noise=True)[:-2000], "corrupt_image", ""),
        ("macro.docx", office_bytes("word/document.xml", "word/vbaProject.bin"), "mislabelled", ""),
    ],
)
def test_it_refuses_bad_files_with_a_clear_error_and_stores_nothing(
    officer, seizure, media, name, data, code, says
):
    with pytest.raises(ValidationError) as exc:
        add(officer, seizure, name, data)

    errors = exc.value.error_dict["file"]
    assert [e.code for e in errors] == [code]
    assert says in " ".join(exc.value.message_dict["file"])
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_it_refuses_files_over_the_size_limit(officer, seizure, settings, media):
    settings.ATTACHMENT_MAX_BYTES = 2048
    data = image_bytes("PNG", (200, 200), noise=True)
    assert len(data) > 2048

    with pytest.raises(ValidationError) as exc:
        add(officer, seizure, "big.png", data)

    assert exc.value.error_dict["file"][0].code == "too_large"
    assert "2.0\xa0KB" in exc.value.message_dict["file"][0]
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_it_refuses_decompression_bombs(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ValidationError) as exc:
        validate_upload(upload("huge.png", image_bytes("PNG", (100, 100))))
    assert exc.value.code == "image_too_large"


def test_it_refuses_a_document_filed_as_a_photo(officer, seizure):
    with pytest.raises(ValidationError) as exc:
        add(officer, seizure, "invoice.pdf", pdf_bytes(), kind="photo")
    assert exc.value.error_dict["kind"][0].code == "not_a_photo"
    assert not Attachment.objects.exists()


def test_it_keeps_only_the_file_name_of_what_the_uploader_sent(officer, seizure):
    attachment = add(officer, seizure, "..\\..\\etc/\x00containe\u0301r.jpg", image_bytes())
    assert attachment.original_name == "contain\u00e9r.jpg"


def test_it_lets_only_users_who_may_change_the_seizure_attach(other_officer, seizure):
    with pytest.raises(PermissionDenied):
        add(other_officer, seizure, "photo.jpg", image_bytes())
    assert not Attachment.objects.exists()


# --- thumbnails -------------------------------------------------------------------------


def photo_with_gps_and_rotation() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # the camera was held upright: turn 90° clockwise
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
    return image_bytes("JPEG", (1000, 500), exif=exif)


def test_it_makes_an_upright_thumbnail_without_the_gps_position(
    officer, seizure, django_capture_on_commit_callbacks
):
    data = photo_with_gps_and_rotation()
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo has GPS

    with django_capture_on_commit_callbacks(execute=True):
        attachment = add(officer, seizure, "deck.jpg", data)

    attachment.refresh_from_db()
    assert attachment.thumbnail
    thumbnail = Path(attachment.thumbnail.path).read_bytes()
    with Image.open(io.BytesIO(thumbnail)) as image:
        assert image.format == "JPEG"
        assert image.size == (240, 480)  # turned upright and at most 480 px
        assert not image.getexif()
    assert b"Exif" not in thumbnail
    # The original stays exactly as uploaded: it is evidence.
    assert Path(attachment.file.path).read_bytes() == data


def test_it_makes_each_thumbnail_once(officer, seizure, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        attachment = add(officer, seizure, "deck.png", image_bytes("PNG"))
    attachment.refresh_from_db()
    first = attachment.thumbnail.name

    attachment_make_thumbnail.delay(attachment.pk)
    attachment_make_thumbnail(attachment.pk)

    attachment.refresh_from_db()
    assert attachment.thumbnail.name == first
    assert len(list((media / "thumbnails").iterdir())) == 1


def test_it_makes_no_thumbnail_for_documents(officer, seizure, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        attachment = add(officer, seizure, "report.pdf", pdf_bytes())
    attachment.refresh_from_db()
    assert not attachment.thumbnail
    assert callbacks == []


def test_it_forgets_a_thumbnail_task_whose_attachment_is_gone(db):
    attachment_make_thumbnail(123456)  # must not raise: the seizure was deleted meanwhile


# --- pages ------------------------------------------------------------------------------


@pytest.fixture
def photo(officer, seizure, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        attachment = add(officer, seizure, "Cont\u00e9neur 1.jpg", image_bytes(), caption="Deck")
    attachment.refresh_from_db()
    return attachment


def test_it_serves_an_attachment_to_its_unit_as_a_private_download(client, officer, photo):
    client.force_login(officer)
    response = client.get(reverse("seizures:attachment-download", args=[photo.public_id]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == Path(photo.file.path).read_bytes()
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''Cont%C3%A9neur%201.jpg" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert "sandbox" in response["Content-Security-Policy"]


def test_it_shows_photos_inline_but_never_documents(client, officer, seizure, photo):
    document = add(officer, seizure, "report.pdf", pdf_bytes())
    client.force_login(officer)

    shown = client.get(
        reverse("seizures:attachment-download", args=[photo.public_id]), {"inline": 1}
    )
    saved = client.get(
        reverse("seizures:attachment-download", args=[document.public_id]), {"inline": 1}
    )

    assert shown["Content-Disposition"].startswith("inline;")
    assert saved["Content-Disposition"].startswith("attachment;")
    assert saved["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("view", ["seizures:attachment-download", "seizures:attachment-thumbnail"])
def test_it_hides_attachments_from_other_units(client, other_officer, photo, view):
    client.force_login(other_officer)
    assert client.get(reverse(view, args=[photo.public_id])).status_code == 404


@pytest.mark.parametrize("view", ["seizures:attachment-download", "seizures:attachment-thumbnail"])
def test_it_sends_anonymous_visitors_to_log_in(client, photo, view):
    response = client.get(reverse(view, args=[photo.public_id]))
    assert response.status_code == 302
    assert response.url.startswith(resolve_url(settings.LOGIN_URL))


def test_it_serves_the_thumbnail_once_made(client, officer, photo):
    client.force_login(officer)
    response = client.get(reverse("seizures:attachment-thumbnail", args=[photo.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == Path(photo.thumbnail.path).read_bytes()


def test_it_answers_404_for_a_thumbnail_not_made_yet(client, officer, seizure):
    # Without running the on-commit callbacks no thumbnail is made.
    attachment = add(officer, seizure, "deck.jpg", image_bytes())
    client.force_login(officer)
    url = reverse("seizures:attachment-thumbnail", args=[attachment.public_id])
    assert client.get(url).status_code == 404


def test_it_attaches_an_upload_from_the_page(
    client, officer, seizure, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("seizures:attachment-upload", args=[seizure.public_id]),
            {"file": upload("deck.jpg", image_bytes()), "kind": "", "caption": "Rip-off bag"},
        )

    assert response.status_code == 302
    assert response.url == reverse("seizures:detail", args=[seizure.public_id]) + "#attachments"
    attachment = seizure.attachments.get()
    assert (attachment.caption, attachment.kind, attachment.uploaded_by) == (
        "Rip-off bag",
        "photo",
        officer,
    )
    assert attachment.thumbnail  # eager Celery in the embedded default
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["deck.jpg is attached."]


def test_it_shows_why_an_upload_was_refused_and_keeps_the_caption(client, officer, seizure, media):
    client.force_login(officer)
    response = client.post(
        reverse("seizures:attachment-upload", args=[seizure.public_id]),
        {"file": upload("photo.jpg", pdf_bytes()), "caption": "Bag 3"},
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert "photo.jpg is a PDF document, not a JPEG image." in content
    assert 'value="Bag 3"' in content
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_it_shows_photos_with_their_fingerprint_on_the_seizure_page(client, officer, photo):
    client.force_login(officer)
    response = client.get(reverse("seizures:detail", args=[photo.seizure.public_id]))

    content = response.content.decode()
    assert reverse("seizures:attachment-thumbnail", args=[photo.public_id]) in content
    assert photo.sha256 in content and photo.sha256[:12] + "…" in content
    assert "Deck" in content
    assert reverse("seizures:attachment-upload", args=[photo.seizure.public_id]) in content


def test_it_offers_no_upload_form_to_a_unit_that_may_only_view(client, investigator, photo):
    sharing.seizure_share(
        seizure=photo.seizure, unit=investigator.unit, handling_level=HandlingCode.H1, by=None
    )
    client.force_login(investigator)
    response = client.get(reverse("seizures:detail", args=[photo.seizure.public_id]))

    content = response.content.decode()
    assert reverse("seizures:attachment-thumbnail", args=[photo.public_id]) in content
    assert reverse("seizures:attachment-upload", args=[photo.seizure.public_id]) not in content


def test_it_refuses_uploads_from_another_unit(client, other_officer, seizure):
    client.force_login(other_officer)
    response = client.post(
        reverse("seizures:attachment-upload", args=[seizure.public_id]),
        {"file": upload("deck.jpg", image_bytes())},
    )
    assert response.status_code == 404
    assert not Attachment.objects.exists()


def test_it_refuses_uploads_from_a_unit_that_may_only_view(client, investigator, seizure, photo):
    sharing.seizure_share(
        seizure=seizure, unit=investigator.unit, handling_level=HandlingCode.H1, by=None
    )
    client.force_login(investigator)

    upload_url = reverse("seizures:attachment-upload", args=[seizure.public_id])
    download_url = reverse("seizures:attachment-download", args=[photo.public_id])
    assert client.post(upload_url, {"file": upload("x.jpg", image_bytes())}).status_code == 404
    assert client.get(download_url).status_code == 200
    assert seizure.attachments.count() == 1


def test_it_sends_anonymous_uploaders_to_log_in(client, seizure):
    url = reverse("seizures:attachment-upload", args=[seizure.public_id])
    response = client.post(url, {"file": upload("deck.jpg", image_bytes())})
    assert response.status_code == 302
    assert not Attachment.objects.exists()
