"""The OpenAPI document at /api/schema/ is valid, and no request built from it gets a 5xx.

Schemathesis reads the schema from the running application (WSGI, in process, inside the
test's database transaction) and sends generated requests to every operation as a seeded
officer.
"""

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from casetracker.core.choices import HandlingCode, Role, UnitKind
from referrals.choices import Origin, RecipientKind
from referrals.models import Recipient
from referrals.services import referral_accept, referral_send

from . import factories as f


def test_it_generates_a_valid_openapi_3_document(db):
    document = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(document)
    assert document["openapi"].startswith("3.")
    seizure_paths = {path for path in document["paths"] if path.startswith("/api/v1/seizures/")}
    assert seizure_paths == {
        "/api/v1/seizures/",
        "/api/v1/seizures/{public_id}/",
        "/api/v1/seizures/{public_id}/submit/",
    }
    request = document["components"]["schemas"]["SeizureRequest"]
    assert {"containers", "items", "port_calls", "parties"} <= set(request["properties"])
    assert "public_id" not in request["properties"]
    answer = document["components"]["schemas"]["Seizure"]["properties"]
    assert {"public_id", "reference", "occurred_at_local", "total_distance_km"} <= set(answer)
    assert "id" not in answer


@pytest.fixture
def keep_test_transaction():
    # Django's handler closes "old" connections at the start and end of each request; inside
    # the test's transaction that would throw the transaction away (the test client avoids it
    # the same way).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Throttling would answer 429 to a few hundred quick requests; no cache, no counting.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    for locode in f.KNOWN_PORTS:
        f.port(locode)
    officer = f.UserFactory(username="officer", unit=f.pcu("ECGYE"))
    return {
        "seizure": f.log_seizure(officer),
        "headers": {"Authorization": f"Token {Token.objects.create(user=officer).key}"},
        **_referral_seeded(officer),
    }


# --- referrals (issue 4): a referral to EC-INV, answered through the API by its investigator,
# withdrawn by the officer; without it every referral path would only reach the 404 --------


def _referral_seeded(officer) -> dict:
    investigator = f.UserFactory(
        username="investigator",
        role=Role.INVESTIGATOR,
        unit=f.UnitFactory(code="EC-INV", kind=UnitKind.INVESTIGATING, port=None, country="EC"),
    )
    recipient = Recipient.objects.create(
        name="Antinarcóticos", kind=RecipientKind.UNIT, unit=investigator.unit, country="EC"
    )
    sent, accepted = (
        referral_send(
            seizure=f.log_seizure(officer, submit=True),
            recipient=recipient,
            handling_code=HandlingCode.H1,
            ack_hours=24,
            respond_days=7,
            origin=Origin.MANUAL,
            reasons=[{"kind": "manual", "by": "officer"}],
            by=officer,
        )
        for _n in range(2)
    )
    referral_accept(actor=investigator, referral=accepted)
    token = Token.objects.create(user=investigator).key
    return {
        "referral": sent,
        "accepted_referral": accepted,
        "recipient_headers": {"Authorization": f"Token {token}"},
    }


def _for_referrals(case, seeded) -> dict:
    """A seeded referral in the path (an accepted one where the move needs it), and who acts
    on it: the officer withdraws, the recipient's investigator reads and answers."""
    later = case.path.endswith(("/investigate/", "/close/"))
    referral = seeded["accepted_referral" if later else "referral"]
    case.path_parameters["public_id"] = str(referral.public_id)
    return seeded["headers"] if case.path.endswith("/withdraw/") else seeded["recipient_headers"]


def test_the_seeded_referral_is_reachable_by_the_referral_operations(
    seeded, client, keep_test_transaction
):
    referral = seeded["referral"]
    as_recipient = {"HTTP_" + k.upper(): v for k, v in seeded["recipient_headers"].items()}

    detail = client.get(f"/api/v1/referrals/{referral.public_id}/", **as_recipient)
    acknowledged = client.post(
        f"/api/v1/referrals/{referral.public_id}/acknowledge/", **as_recipient
    )

    assert detail.status_code == 200
    assert acknowledged.status_code == 200


# --- end of referrals -----------------------------------------------------------------------


# Built at collection: generating the document touches no database, and /api/schema/
# itself answers only signed-in users. (The lazy schemathesis.pytest.from_fixture loader
# does not work with pytest 9.) Requests then go to the app in process, over WSGI.
schema = schemathesis.openapi.from_dict(
    json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str)),
    config=SchemathesisConfig.from_dict(
        # The coverage phase sends hundreds of boundary cases per operation: minutes, not
        # seconds. Generated examples and fuzzing, capped by max_examples below, stay.
        {"phases": {"coverage": {"enabled": False}}}
    ),
)
schema.app = WSGIHandler()


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_it_answers_every_generated_request_without_a_server_error(
    case, seeded, keep_test_transaction
):
    headers = seeded["headers"]
    if case.path.startswith("/api/v1/referrals/{public_id}"):
        headers = _for_referrals(case, seeded)
    elif "public_id" in (case.path_parameters or {}):
        # Random UUIDs only ever reach the 404; the seeded seizure takes the request
        # through the update and submit code.
        case.path_parameters["public_id"] = str(seeded["seizure"].public_id)
    case.call_and_validate(
        headers=headers, checks=[not_a_server_error, response_schema_conformance]
    )
