"""Nobody can walk through seizures by counting: URLs and API objects carry random UUIDs.

Integer primary keys are sequential: one seizure's id tells how many came before it and
where the next one is. They stay inside the database.
"""

import re
import uuid

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from casetracker.core.choices import HandlingCode, Role, UnitKind
from seizures.attachments import attachment_add
from seizures.models import Note

from . import factories as f
from .permission_matrix import all_routes

# A regex route's group that names an object must only accept a UUID.
_OBJECT_GROUP = re.compile(r"\(\?P<(?P<name>pk|id|\w+_id)>(?P<regex>[^)]*)\)")
_UUID_REGEX_HINT = "[0-9a-fA-F]{8}"
PROJECT_APPS = {"core", "seizures", "referrals", "evidence", "reporting"}


def test_no_url_takes_an_integer_object_id():
    integer_routes = [
        f"{route.key} ({route.pattern})"
        for route in all_routes()
        if any(name == "IntConverter" for name in route.converters.values())
    ]
    assert not integer_routes, f"URLs taking an integer id: {integer_routes}"


def test_regex_routes_accept_only_uuids_where_they_name_an_object():
    checked, loose = [], []
    for route in all_routes():
        for group in _OBJECT_GROUP.finditer(route.pattern):
            checked.append(route.key)
            if _UUID_REGEX_HINT not in group["regex"]:
                loose.append(f"{route.key}: <{group['name']}> = {group['regex']}")
    assert "api-seizure-detail" in checked, "the API's detail route was not found to check"
    assert not loose, f"Object look-ups that accept more than a UUID: {loose}"


def test_routes_that_name_an_object_use_a_uuid_converter():
    named = [
        (route.key, kwarg, converter)
        for route in all_routes()
        for kwarg, converter in route.converters.items()
        if kwarg == "public_id" or kwarg.endswith("_id") or kwarg in ("pk", "id")
    ]
    assert named, "no route names an object: the scan found nothing to check"
    assert all(converter == "UUIDConverter" for _key, _kwarg, converter in named), named


def test_every_public_id_is_a_random_uuid4():
    fields = [
        (model.__name__, model._meta.get_field("public_id"))
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
        and any(field.name == "public_id" for field in model._meta.fields)
    ]
    assert {"Seizure", "Attachment", "Note"} <= {name for name, _field in fields}
    assert all(field.default is uuid.uuid4 for _name, field in fields), fields


@pytest.fixture
def case_file(officer, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path
    seizures = [f.log_seizure(officer) for _n in range(12)]
    seizure = seizures[-1]
    attachment = attachment_add(
        user=officer,
        seizure=seizure,
        upload=SimpleUploadedFile("bl.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
    )
    note = Note.objects.create(
        seizure=seizure, text="Tip", author=officer, handling_code=HandlingCode.H1
    )
    return seizures, attachment, note


def test_public_ids_of_successive_seizures_are_random_not_counted(case_file):
    seizures, attachment, note = case_file
    ids = [s.public_id for s in seizures] + [attachment.public_id, note.public_id]
    assert all(value.version == 4 and value.variant == uuid.RFC_4122 for value in ids)
    assert len(set(ids)) == len(ids)
    # Twelve random ids come out in creation order once in 479 million runs.
    as_numbers = [value.int for value in ids[:12]]
    assert as_numbers != sorted(as_numbers) and as_numbers != sorted(as_numbers, reverse=True)


def test_seizure_and_attachment_urls_carry_the_public_id(case_file):
    seizures, attachment, _note = case_file
    seizure = seizures[-1]
    assert str(seizure.public_id) in reverse("seizures:detail", args=[seizure.public_id])
    assert reverse("seizures:attachment-download", args=[attachment.public_id]).endswith(
        f"/{attachment.public_id}/"
    )


def test_no_link_on_the_seizure_pages_names_an_integer_id(client, officer, case_file):
    seizures, _attachment, _note = case_file
    client.force_login(officer)
    for url in ("/seizures/", reverse("seizures:detail", args=[seizures[-1].public_id])):
        page = client.get(url).content.decode()
        links = re.findall(r'(?:href|action|src)="([^"?#]*)', page)
        assert links
        counted = [link for link in links if re.search(r"/\d+(/|$)", link)]
        assert not counted, f"{url} links by integer id: {counted}"


def _keys(value, path="$"):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield f"{path}.{key}", key
            yield from _keys(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for position, inner in enumerate(value):
            yield from _keys(inner, f"{path}[{position}]")


def _integer_id_keys(data) -> list[str]:
    return [
        path
        for path, key in _keys(data)
        if key in ("id", "pk") or (key.endswith("_id") and key != "public_id")
    ]


def test_the_api_never_shows_an_integer_id_of_a_seizure_or_its_parts(officer, case_file):
    seizures, _attachment, _note = case_file
    api = APIClient()
    api.force_authenticate(officer)
    listing = api.get("/api/v1/seizures/").json()
    detail = api.get(f"/api/v1/seizures/{seizures[-1].public_id}/").json()
    # The detail shows every part, so an "id" in any of them would be found.
    for part in ("containers", "items", "port_calls", "parties", "attachments"):
        assert detail[part], f"the fixture seizure has no {part}: the check would be empty"
    assert not _integer_id_keys(listing), _integer_id_keys(listing)
    assert not _integer_id_keys(detail), _integer_id_keys(detail)
    assert detail["public_id"] == str(seizures[-1].public_id)
    assert detail["url"].endswith(f"/{seizures[-1].public_id}/")
    assert str(detail["attachments"][0]["public_id"]) in detail["attachments"][0]["download_url"]
    # Integer pks do not appear as values either (e.g. in a nested "url").
    pks = {str(s.pk) for s in seizures}
    urls = [listing.get("next") or "", detail["url"], *[s["url"] for s in listing["results"]]]
    assert not any(re.search(rf"/{pk}/", url) for pk in pks for url in urls)


def test_the_evaluation_api_names_seizures_by_reference_not_by_integer_id(case_file):
    seizures, _attachment, _note = case_file
    unit = f.UnitFactory(code="EVAL", kind=UnitKind.EVALUATION, port=None, country="AT")
    evaluator = f.UserFactory(username="evaluator", unit=unit, role=Role.EVALUATOR)
    api = APIClient()
    api.force_authenticate(evaluator)
    response = api.get("/api/v1/evaluation/seizures/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {row["reference"] for row in rows} == {s.reference for s in seizures}
    assert not _integer_id_keys(response.json()), _integer_id_keys(response.json())
