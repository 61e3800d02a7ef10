"""What a browser receives in production: transport and browser-hardening headers, cookies,
and templates that a Content Security Policy without 'unsafe-inline' does not break.

Settings are read once per process, so the production values come from a fresh Python with
the production environment (as in tests/test_settings.py); the responses are then checked
here with exactly those values in force.
"""

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests import factories as f
from tests.test_settings import production, run

ROOT = Path(__file__).resolve().parent.parent.parent

SECURITY_SETTINGS = [
    "CONTENT_SECURITY_POLICY",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_HSTS_SECONDS",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_REFERRER_POLICY",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SECURE",
    "X_FRAME_OPTIONS",
]

PROBE = f"""
import json
from django.conf import settings as s
print(json.dumps({{name: getattr(s, name) for name in {SECURITY_SETTINGS!r}}}))
"""


@pytest.fixture(scope="module")
def production_values():
    result = run(["-c", PROBE], **production())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def in_production(settings, production_values):
    for name, value in production_values.items():
        setattr(settings, name, tuple(value) if isinstance(value, list) else value)
    return settings


@pytest.fixture
def login_page(client, in_production):
    return client.get(reverse("login"), secure=True)


def test_plain_http_is_redirected_to_https(client, in_production):
    response = client.get(reverse("login"))
    assert response.status_code == 301
    assert response.url.startswith("https://")


def test_the_content_security_policy_forbids_inline_code_and_framing(login_page):
    policy = login_page["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


def test_browsers_must_keep_using_https_for_a_year(login_page):
    hsts = login_page["Strict-Transport-Security"]
    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))
    assert max_age >= 31536000
    assert "includeSubDomains" in hsts


def test_pages_may_not_be_framed(login_page):
    assert login_page["X-Frame-Options"] == "DENY"


def test_the_referrer_stays_on_the_site(login_page):
    assert login_page["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin"}


def test_content_types_are_not_sniffed(login_page):
    assert login_page["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_secure_and_hidden_from_scripts(client, in_production):
    f.UserFactory(username="officer", unit=f.pcu("ECGYE"))
    client.get(reverse("login"), secure=True)
    csrf = client.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"]

    response = client.post(
        reverse("login"), {"username": "officer", "password": f.PASSWORD}, secure=True
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert session["samesite"] in {"Lax", "Strict"}


# --- templates that the policy would break -------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.S | re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)


def project_templates() -> list[Path]:
    found = []
    for directory in ROOT.glob("**/templates"):
        if ".venv" in directory.parts or "node_modules" in directory.parts:
            continue
        found += [p for p in directory.rglob("*") if p.suffix in {".html", ".txt", ".svg"}]
    return sorted(found)


def inline_code(text: str) -> list[str]:
    problems = []
    for match in INLINE_SCRIPT.finditer(text):
        if match["body"].strip() and "application/json" not in match["attrs"]:
            problems.append("inline <script> body")
    if STYLE_ATTRIBUTE.search(text):
        problems.append("style= attribute")
    if STYLE_ELEMENT.search(text):
        problems.append("<style> element")
    if EVENT_HANDLER.search(text):
        problems.append("on…= event handler attribute")
    return problems


def test_the_checker_recognises_inline_code():
    assert inline_code('<script>alert(1)</script><p style="color:red" onclick="x()">') == [
        "inline <script> body",
        "style= attribute",
        "on…= event handler attribute",
    ]
    assert inline_code('<script src="/static/js/app.js"></script><p class="a">') == []


def test_no_template_carries_inline_script_or_style():
    templates = project_templates()
    assert any(p.name == "base.html" for p in templates)
    offenders = {
        str(path.relative_to(ROOT)): problems
        for path in templates
        if (problems := inline_code(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, f"the Content Security Policy would block: {offenders}"
