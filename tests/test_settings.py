"""The settings as an operator meets them: each case starts a fresh Python with its own environment.

Settings are read once per process, so the only faithful test is a new process: what it
prints (or the message it dies with) is what an operator sees at start-up.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Variables the settings read; the test process may carry some of them (the PostgreSQL
# pass sets DATABASE_URL), so every case starts without any of them.
_SETTINGS_PREFIXES = ("DJANGO_", "CELERY_", "CASETRACKER_", "EMAIL_", "DATABASE_")

PROBE = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "engine": s.DATABASES["default"]["ENGINE"],
    "db_name": str(s.DATABASES["default"]["NAME"]),
    "eager": s.CELERY_TASK_ALWAYS_EAGER,
    "broker": s.CELERY_BROKER_URL,
    "debug": s.DEBUG,
    "hosts": s.ALLOWED_HOSTS,
    "static": s.STORAGES["staticfiles"]["BACKEND"],
}))
"""


def clean_env(**variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SETTINGS_PREFIXES)}
    env["DJANGO_SETTINGS_MODULE"] = "casetracker.settings"
    env.update(variables)
    return env


def run(args: list[str], **variables: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=clean_env(**variables),
        capture_output=True,
        text=True,
        timeout=60,
    )


def probe(**variables: str) -> dict:
    result = run(["-c", PROBE], **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def start_failure(**variables: str) -> str:
    """The last line the process dies with: the message an operator reads.

    Reading the settings is enough to fail (every check runs at import), and skipping the
    app registry keeps these many cases fast.
    """
    result = run(["-c", "from django.conf import settings; print(settings.DEBUG)"], **variables)
    assert result.returncode != 0, f"settings accepted {variables}: {result.stdout}"
    return result.stderr.strip().splitlines()[-1]


def production(**overrides: str) -> dict[str, str]:
    variables = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "casetracker.example.org",
        "DATABASE_URL": "postgres://casetracker:secret@db.example.org:5432/casetracker",
        "CELERY_BROKER_URL": "redis://redis.example.org:6379/0",
    }
    variables.update(overrides)
    return variables


def test_it_runs_embedded_on_sqlite_with_eager_tasks_when_nothing_is_set():
    settings = probe()
    assert settings["engine"] == "django.db.backends.sqlite3"
    assert settings["db_name"].endswith("casetracker.sqlite3")
    assert settings["eager"] is True
    assert settings["debug"] is True


def test_it_switches_to_postgresql_when_a_database_url_is_given():
    settings = probe(DATABASE_URL="postgres://ct:pw@db.example.org:5432/casetracker")
    assert settings["engine"] == "django.db.backends.postgresql"
    assert settings["db_name"] == "casetracker"


def test_it_sends_tasks_to_the_broker_when_one_is_given():
    settings = probe(CELERY_BROKER_URL="redis://redis.example.org:6379/3")
    assert settings["eager"] is False
    assert settings["broker"] == "redis://redis.example.org:6379/3"


def test_it_starts_in_production_with_a_secret_key_and_allowed_hosts():
    settings = probe(**production(DJANGO_ALLOWED_HOSTS="a.example.org, b.example.org"))
    assert settings["debug"] is False
    assert settings["hosts"] == ["a.example.org", "b.example.org"]
    assert settings["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_it_refuses_production_without_a_secret_key():
    variables = production()
    del variables["DJANGO_SECRET_KEY"]
    message = start_failure(**variables)
    assert "ImproperlyConfigured" in message
    assert "DJANGO_SECRET_KEY" in message


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("too-short-0123456789", id="short"),
        pytest.param("a" * 60, id="repetitive"),
        pytest.param("django-insecure-" + secrets.token_urlsafe(50), id="startproject-default"),
    ],
)
def test_it_refuses_production_with_a_weak_secret_key(key):
    message = start_failure(**production(DJANGO_SECRET_KEY=key))
    assert "DJANGO_SECRET_KEY" in message


def test_it_refuses_production_without_allowed_hosts():
    variables = production()
    del variables["DJANGO_ALLOWED_HOSTS"]
    message = start_failure(**variables)
    assert "ImproperlyConfigured" in message
    assert "DJANGO_ALLOWED_HOSTS" in message


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG must be one of true/false"),
        ({"EMAIL_PORT": "abc"}, "EMAIL_PORT must be an integer, not 'abc'"),
        ({"EMAIL_PORT": "0"}, "EMAIL_PORT must be at least 1"),
        ({"DJANGO_SESSION_MAX_SECONDS": "5"}, "DJANGO_SESSION_MAX_SECONDS must be at least 60"),
        ({"DJANGO_LOG_LEVEL": "LOUD"}, "DJANGO_LOG_LEVEL must be one of DEBUG, INFO"),
        ({"CASETRACKER_API_USER_RATE": "lots"}, "CASETRACKER_API_USER_RATE must be a number"),
        ({"DATABASE_URL": "mysql://ct@db.example.org/ct"}, "DATABASE_URL must be a postgres"),
        ({"DATABASE_URL": "sqlite:///var/x.sqlite3"}, "DATABASE_URL must be a postgres"),
        ({"DATABASE_URL": "no-scheme-at-all"}, "DATABASE_URL is not a valid database URL"),
        ({"CELERY_BROKER_URL": "ftp://files.example.org/"}, "CELERY_BROKER_URL must be a redis"),
        (
            {"CELERY_TASK_SOFT_TIME_LIMIT": "300", "CELERY_TASK_TIME_LIMIT": "200"},
            "CELERY_TASK_SOFT_TIME_LIMIT must be lower than CELERY_TASK_TIME_LIMIT",
        ),
        (
            {"CELERY_TASK_TIME_LIMIT": "900", "CELERY_VISIBILITY_TIMEOUT": "600"},
            "CELERY_VISIBILITY_TIMEOUT must be longer than CELERY_TASK_TIME_LIMIT",
        ),
    ],
    ids=lambda value: "+".join(value) if isinstance(value, dict) else "message",
)
def test_it_stops_at_start_with_a_clear_message_on_a_bad_value(variables, expected):
    message = start_failure(**variables)
    assert message.startswith("django.core.exceptions.ImproperlyConfigured: ")
    assert expected in message


def test_it_reads_log_levels_and_api_rates_as_operators_write_them():
    result = run(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.LOG_LEVEL, s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['user'])",
        ],
        DJANGO_LOG_LEVEL="info",
        CASETRACKER_API_USER_RATE="500/hour",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["INFO", "500/hour"]


def test_its_deploy_check_finds_nothing_to_fix_in_production():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **production())
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_its_deploy_check_reports_a_production_setting_left_weak():
    # The check above must be able to fail: switching HSTS off is reported.
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **production(DJANGO_HSTS_SECONDS="0"),
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


def test_every_environment_variable_the_settings_read_is_documented():
    read = set()
    for module in (ROOT / "casetracker" / "settings").glob("*.py"):
        read |= set(re.findall(r'env_[a-z]+\(\s*"([A-Z0-9_]+)"', module.read_text()))
    # The production section lives in the README.
    documented = (ROOT / "README.md").read_text()
    assert len(read) > 20  # the pattern still finds the variables
    assert sorted(name for name in read if f"`{name}`" not in documented) == []
