"""Every URL × every persona × every method answers what tests/permission_matrix.py says.

The route list is read from the URL configuration, so a view added without an entry in the
table fails here by name. Each request runs inside a savepoint that is rolled back, so a
successful write (a submit, a created seizure) does not change what the next request sees.
"""

import datetime as dt
import io
import json

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from casetracker.core.choices import HandlingCode, Role, UnitKind
from casetracker.reporting.models import ReportRun
from evidence import files as evidence_files
from evidence import services as evidence_services
from referrals.choices import Origin, RecipientKind
from referrals.models import Recipient
from referrals.services import referral_send
from seizures import sharing
from seizures.attachments import attachment_add, attachment_thumbnail_make
from seizures.imports.models import ImportRun
from seizures.models import Attachment, Note

from . import factories as f
from .forensics.matrix import forensic_targets
from .mfa import verified_login
from .permission_matrix import (
    ADMIN_LOGIN,
    ADMIN_ROUTE,
    CASES,
    LOGIN,
    PERSONAS,
    all_routes,
)


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def _case_file(officer, handling):
    """A seizure with an H1 and an H0 photo and note, as its officer logged them."""
    seizure = f.log_seizure(officer)
    pieces = {"seizure": seizure}
    for suffix, code in (("", HandlingCode.H1), ("_h0", HandlingCode.H0)):
        photo = attachment_add(
            user=officer,
            seizure=seizure,
            upload=SimpleUploadedFile(f"photo{suffix}.jpg", _jpeg(), "image/jpeg"),
        )
        attachment_thumbnail_make(attachment=photo)
        Attachment.objects.filter(pk=photo.pk).update(handling_code=code)
        note = Note.objects.create(
            seizure=seizure, text=f"Tip {suffix or 'h1'}", author=officer, handling_code=code
        )
        pieces[f"attachment{suffix}"] = photo
        pieces[f"note{suffix}"] = note
    return pieces


def _evidence_item(officer, seizure):
    upload = SimpleUploadedFile("phone-dump.bin", b"extraction bytes")
    facts = evidence_files.store_upload(upload, seizure=seizure)
    return evidence_services.item_create(
        seizure=seizure,
        by=officer,
        kind="digital_file",
        description="Phone extraction",
        storage_location="Evidence server",
        file_facts=facts,
    )


def _referral(officer, recipient):
    """A submitted seizure referred at H1 to ``recipient``."""
    seizure = f.log_seizure(officer, submit=True)
    return referral_send(
        seizure=seizure,
        recipient=recipient,
        handling_code=HandlingCode.H1,
        ack_hours=24,
        respond_days=7,
        origin=Origin.MANUAL,
        reasons=[],
        by=officer,
    )


@pytest.fixture
def world(db, settings, tmp_path):
    """The personas and, per persona, the objects whose URLs they try."""
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path / "private"
    cache.clear()  # API throttle counters
    for locode in f.KNOWN_PORTS:
        f.port(locode)
    owner = f.UserFactory(username="officer", unit=f.pcu("ECGYE"), role=Role.OFFICER)
    supervisor = f.UserFactory(username="supervisor", unit=owner.unit, role=Role.SUPERVISOR)
    other = f.UserFactory(username="other_officer", unit=f.pcu("BEANR"), role=Role.OFFICER)
    inv_unit = f.UnitFactory(
        code="EC-INV", kind=UnitKind.INVESTIGATING, port=None, country="EC", name="Antinarcóticos"
    )
    investigator = f.UserFactory(username="investigator", unit=inv_unit, role=Role.INVESTIGATOR)
    eval_unit = f.UnitFactory(
        code="EVAL", kind=UnitKind.EVALUATION, port=None, country="AT", name="Evaluation"
    )
    evaluator = f.UserFactory(username="evaluator", unit=eval_unit, role=Role.EVALUATOR)

    shared = _case_file(owner, HandlingCode.H1)
    unshared = _case_file(owner, HandlingCode.H1)
    sharing.seizure_share(
        seizure=shared["seizure"], unit=inv_unit, handling_level=HandlingCode.H1, by=supervisor
    )
    # Referrals: one of a third seizure to EC-INV (the investigator's unit), and one to
    # an NCB the investigator has nothing to do with (what ``recipient_before`` tries).
    inv_recipient = Recipient.objects.create(
        name="Antinarcóticos", kind=RecipientKind.UNIT, unit=inv_unit, country="EC"
    )
    ncb_unit = f.UnitFactory(code="EC-NCB", kind=UnitKind.NCB, port=None, country="EC")
    f.UserFactory(username="ncb_officer", unit=ncb_unit, role=Role.NCB_OFFICER)
    ncb_recipient = Recipient.objects.create(
        name="NCB Quito", kind=RecipientKind.UNIT, unit=ncb_unit, country="EC"
    )
    shared["referral"] = _referral(owner, inv_recipient)
    unshared["referral"] = _referral(owner, ncb_recipient)
    # Forensic tasks, a lab report and a proposed link (tests/forensics/matrix.py).
    forensic_targets(
        owner=owner, supervisor=supervisor, inv_unit=inv_unit, shared=shared, unshared=unshared
    )
    # Evidence: a digital item of each seizure, in the owner's custody.
    shared["item"] = _evidence_item(owner, shared["seizure"])
    unshared["item"] = _evidence_item(owner, unshared["seizure"])
    # --- historic import: a finished dry run of the owning unit, by its supervisor ---
    shared["import_run"] = unshared["import_run"] = ImportRun.objects.create(
        unit=owner.unit,
        file="imports/matrix",
        original_name="ids.csv",
        sha256="0" * 64,
        size=1,
        layout="ids",
        dry_run=True,
        status="done",
        uploaded_by=supervisor,
    )
    # --- end historic import ---
    # --- cohort reports: a finished PDF the evaluator asked for ---
    report_run = ReportRun.objects.create(
        requested_by=evaluator, format="pdf", language="en", as_of=timezone.now(), status="done"
    )
    report_run.file.save("matrix.pdf", ContentFile(b"%PDF-1.4 matrix"), save=True)
    shared["report_run"] = unshared["report_run"] = report_run
    # --- end cohort reports ---
    users = {
        "anonymous": None,
        "owner": owner,
        "supervisor": supervisor,
        "other_unit": other,
        "recipient_before": investigator,
        "recipient_after": investigator,
        "evaluator": evaluator,
    }
    targets = dict.fromkeys(PERSONAS, shared)
    targets["recipient_before"] = unshared
    return users, targets


def _seizure_body() -> dict:
    return {
        "occurred_at": (timezone.now() - dt.timedelta(days=2)).isoformat(),
        "port": "ECGYE",
        "detection_method": "profiling",
        "concealment_method": "rip_on",
        "items": [
            {"category": "drugs", "substance": "cocaine", "quantity": "12", "quantity_unit": "kg"}
        ],
        "port_calls": [{"role": "loading", "port": "ECGYE"}],
    }


JSON_BODIES = {"seizure": _seizure_body, "patch": lambda: {"terminal": "Contecon"}}


def _url(case, pieces) -> str:
    if case.path:
        return case.path
    kwargs = dict(case.kwargs)
    if case.target == "item":
        # Evidence items are addressed by their label number, the one printed on the bag.
        kwargs["label"] = pieces[case.target].label
    elif case.target:
        kwargs["public_id"] = pieces[case.target].public_id
    return reverse(case.route, kwargs=kwargs) + case.query


def _send(client, method, url, body):
    if isinstance(body, str) and body.startswith("json:"):
        data = json.dumps(JSON_BODIES[body.removeprefix("json:")]())
        return client.generic(method, url, data, content_type="application/json")
    if method == "GET":
        return client.get(url)
    if method == "POST":
        return client.post(url, body or {})
    return client.generic(method, url, json.dumps(body or {}), content_type="application/json")


def _matches(expected, response) -> bool:
    location = response.get("Location", "")
    if expected == LOGIN:
        return response.status_code == 302 and location.startswith(
            resolve_url(django_settings.LOGIN_URL)
        )
    if expected == ADMIN_LOGIN:
        return response.status_code == 302 and location.startswith(reverse("admin:login"))
    return response.status_code == expected


def _shown(response) -> str:
    location = response.get("Location")
    return f"{response.status_code} → {location}" if location else str(response.status_code)


def test_every_route_has_an_expectation_in_the_permission_matrix():
    covered = {case.route for case in CASES}
    missing = [f"{r.key}  ({r.pattern})" for r in all_routes() if r.key not in covered]
    assert not missing, (
        "These routes have no entry in tests/permission_matrix.py; decide who may use them "
        "and add a Case:\n  " + "\n  ".join(missing)
    )


def test_the_permission_matrix_names_no_route_that_is_gone():
    existing = {route.key for route in all_routes()}
    stale = sorted({case.route for case in CASES} - existing)
    assert not stale, f"Cases for routes that no longer exist: {stale}"


def test_the_matrix_covers_the_api_routes_and_admin_as_a_group():
    keys = {route.key for route in all_routes()}
    assert {"api-seizure-list", "api-seizure-detail", ADMIN_ROUTE} <= keys
    assert not any(key.startswith("admin:") and key != ADMIN_ROUTE for key in keys)


def _log_in(client, persona, user) -> None:
    if user is None:
        return
    if persona == "supervisor":
        verified_login(client, user)  # supervisors owe a second factor
    else:
        client.force_login(user)


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_gets_exactly_what_the_matrix_says(world, persona):
    users, targets = world
    client = Client()
    _log_in(client, persona, users[persona])
    wrong = []
    for case in CASES:
        url = _url(case, targets[persona])
        for method, expect in case.methods.items():
            expected = expect.of(persona)
            with transaction.atomic():
                response = _send(client, method, url, case.bodies.get(method))
                transaction.set_rollback(True)
            if case.route == "logout":
                _log_in(client, persona, users[persona])
            if not _matches(expected, response):
                wrong.append(
                    f"{method} {url} [{case.route}, {case.target or '-'}]: "
                    f"expected {expected}, got {_shown(response)}"
                )
    assert not wrong, f"{persona}:\n  " + "\n  ".join(wrong)
