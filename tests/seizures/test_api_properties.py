"""Whatever arrives at the seizure API, it answers without crashing and saves all or nothing."""

import copy
import json

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from seizures.models import Container, Party, PortCall, SeizedItem, Seizure

from .. import factories as f
from .test_api import LIST_URL, body, detail_url

PART_MODELS = (Container, SeizedItem, PortCall, Party)

# Text a form would never send: control characters, lone surrogates, right-to-left marks,
# emoji, and very long runs.
weird_text = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec=None, categories=["Cs", "Cc", "Cf", "So"]), max_size=20),
    st.sampled_from(["", " ", "\x00", "\ud800", "‮ECGYE", "🚢" * 50, "a" * 5000, "0" * 400]),
)
junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | weird_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(weird_text, inner, max_size=4),
    max_leaves=12,
)
PATHS = [
    ("occurred_at",),
    ("port",),
    ("detection_method",),
    ("imo_number",),
    ("hs_code",),
    ("terminal",),
    ("concealment_method",),
    ("containers",),
    ("containers", 0),
    ("containers", 0, "number"),
    ("items",),
    ("items", 0),
    ("items", 0, "quantity"),
    ("items", 0, "quantity_unit"),
    ("items", 0, "substance"),
    ("items", 1, "estimated_value"),
    ("items", 1, "currency"),
    ("port_calls",),
    ("port_calls", 1),
    ("port_calls", 1, "port"),
    ("port_calls", 2, "role"),
    ("parties",),
    ("parties", 1, "country"),
    ("parties", 1, "name"),
    ("submit",),
]
DELETE = object()


@st.composite
def mangled_bodies(draw):
    """A valid body with a few of its values replaced by junk or left out."""
    data = copy.deepcopy(body())
    for path in draw(st.lists(st.sampled_from(PATHS), min_size=1, max_size=4, unique=True)):
        target = data
        try:
            for key in path[:-1]:
                target = target[key]
            value = draw(st.one_of(junk, st.just(DELETE)))
            if value is DELETE:
                del target[path[-1]]
            else:
                target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change already replaced the container of this path
    return data


bodies = st.one_of(mangled_bodies(), junk)


def saved_rows() -> tuple[int, ...]:
    return (Seizure.objects.count(), *(model.objects.count() for model in PART_MODELS))


def send(client: APIClient, method: str, url: str, data) -> object:
    # Encoded here with ensure_ascii so lone surrogates travel as \\ud800 escapes, as any
    # JSON client may send them.
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def api(officer, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for locode in f.KNOWN_PORTS:
        f.port(locode)
    cache.clear()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=officer).key}")
    return client


QUICK = settings(
    max_examples=75,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@QUICK
@given(data=bodies)
def test_it_never_crashes_and_saves_a_seizure_whole_or_not_at_all(api, data):
    before = saved_rows()

    answer = send(api, "post", LIST_URL, data)

    assert answer.status_code < 500, answer.content[:500]
    if answer.status_code == 201:
        seizure = Seizure.objects.get(public_id=answer.json()["public_id"])
        for name in ("containers", "items", "port_calls", "parties"):
            assert getattr(seizure, name).count() == len(data.get(name, []))
        assert seizure.items.exists()
    else:
        assert answer.status_code in (400, 403)
        assert saved_rows() == before


@settings(QUICK, max_examples=40)
@given(data=bodies, method=st.sampled_from(["put", "patch"]))
def test_it_never_crashes_on_updates_and_leaves_a_refused_one_unsaved(api, officer, data, method):
    seizure = Seizure.objects.first() or f.log_seizure(officer)
    shown_before = api.get(detail_url(seizure)).json()
    rows_before = saved_rows()

    answer = send(api, method, detail_url(seizure), data)

    assert answer.status_code < 500, answer.content[:500]
    if answer.status_code != 200:
        assert answer.status_code == 400
        assert saved_rows() == rows_before
        assert api.get(detail_url(seizure)).json() == shown_before
