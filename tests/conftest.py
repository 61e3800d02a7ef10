import os

import pytest
from django.db import connection
from django.utils import translation

from casetracker.core.choices import Role, UnitKind

from . import factories as f

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.hookimpl(trylast=True)  # after -m has deselected what this pass does not run
def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests run in the PostgreSQL pass; elsewhere they say why they skip.

    In CI the SQLite pass deselects them (-m "not postgres") and the PostgreSQL pass runs
    them, so under CI=true nothing service-backed is ever skipped.
    """
    if connection.vendor == "postgresql":
        # Tests that tamper with rows PostgreSQL refuses to change belong to the SQLite pass.
        skip_sqlite = pytest.mark.skip(reason="tampers with rows PostgreSQL refuses to change")
        for item in items:
            if "sqlite" in item.keywords:
                if IN_CI:
                    raise pytest.UsageError(
                        f"{item.nodeid} runs on SQLite only; the PostgreSQL pass must "
                        'deselect it with -m "not browser and not sqlite".'
                    )
                item.add_marker(skip_sqlite)
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: runs in the PostgreSQL pass of make test")
    for item in items:
        if "postgres" in item.keywords:
            if IN_CI:
                raise pytest.UsageError(
                    f"{item.nodeid} needs PostgreSQL but CI=true runs it on SQLite; "
                    'the SQLite pass must deselect it with -m "not postgres".'
                )
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests that are not about hashing use a fast hasher
    (the production list stays in settings and is checked by the settings tests)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_evaluation_figures(settings):
    """The dashboard's figures are not kept between requests in tests that are not about
    keeping them: a test's data must show at once."""
    settings.CASETRACKER_EVALUATION_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def default_language(settings):
    """Every test starts in the site's language: a request served in French (the locale
    middleware activates the browser's language) must not leak into the next test."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def officer(db):
    """A port control unit officer at Guayaquil."""
    return f.UserFactory(username="officer", unit=f.pcu("ECGYE"), role=Role.OFFICER)


@pytest.fixture
def other_officer(db):
    """An officer of another port control unit (Antwerp): must see nothing of Guayaquil's."""
    return f.UserFactory(username="other_officer", unit=f.pcu("BEANR"), role=Role.OFFICER)


@pytest.fixture
def investigator(db):
    """An investigator of Ecuador's national investigating unit."""
    unit = f.UnitFactory(
        code="EC-INV", kind=UnitKind.INVESTIGATING, port=None, country="EC", name="Antinarcóticos"
    )
    return f.UserFactory(username="investigator", unit=unit, role=Role.INVESTIGATOR)


@pytest.fixture
def seizure(officer):
    return f.log_seizure(officer)


@pytest.fixture
def undrawable(monkeypatch) -> set[str]:
    """Every character a PDF asks the house font for and the font has no glyph for (it
    would print as an empty box)."""
    from reportlab.pdfbase.ttfonts import TTFont

    missing: set[str] = set()
    split = TTFont.splitString

    def recording(self, text, doc, encoding="utf-8"):
        glyphs = self.face.charToGlyph
        missing.update(ch for ch in str(text) if ord(ch) not in glyphs and ch not in "\n\t")
        return split(self, text, doc, encoding)

    monkeypatch.setattr(TTFont, "splitString", recording)
    return missing
