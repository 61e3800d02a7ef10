"""English source, complete French and Spanish catalogues, pages in the user's language.

The catalogues live in ./locale (settings.LOCALE_PATHS) and are refreshed with `make messages`.
"""

import ast
import datetime as dt
import gettext
import os
import re
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.template import Context, Template
from django.test import override_settings
from django.urls import reverse
from django.utils import formats, translation

from seizures.validators import validate_container_number

LANGS = ("fr", "es")
LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
IN_CI = os.environ.get("CI", "").lower() == "true"
# Must match the Makefile's `messages` target: what users never see is not extracted.
MAKEMESSAGES_IGNORE = [".venv", "var", "bench", "tests", "fixtures"]
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifrx]|%[sdif]|\{[\w.]*\}")


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())


def _unquote(text: str) -> str:
    # A PO string is a C string literal; Python's literal syntax reads it the same way.
    return ast.literal_eval(text.strip())


def read_po(path: Path) -> list[Entry]:
    """The live entries of a PO/POT file (obsolete "#~" entries are left out)."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int | None] | None = None

    def flush():
        nonlocal entry
        if entry.msgid or entry.msgstr or entry.msgctxt is not None:
            entries.append(entry)
        entry = Entry()

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            flush()
            target = None
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"') and target:
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, name, (getattr(entry, name) or "") + _unquote(line))
        else:
            keyword, _, value = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and entry.msgstr:
                flush()  # a new entry without the usual blank line before it
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if keyword == "msgstr" or match:
                index = int(match.group(1)) if match else 0
                entry.msgstr[index] = _unquote(value)
                target = ("msgstr", index)
            elif keyword in ("msgid", "msgctxt", "msgid_plural"):
                setattr(entry, keyword, _unquote(value))
                if keyword == "msgid":
                    entry.line = number
                target = (keyword, None)
            else:
                raise ValueError(f"{path}:{number}: cannot read {raw!r}")
    flush()
    return entries


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"


def catalogue(lang: str) -> list[Entry]:
    return [entry for entry in read_po(po_path(lang)) if entry.msgid]


def describe(entry: Entry, lang: str) -> str:
    return f"locale/{lang}/LC_MESSAGES/django.po:{entry.line}: {entry.msgid!r}"


@pytest.mark.parametrize("lang", LANGS)
def test_it_translates_every_string_of_the_catalogue(lang):
    entries = catalogue(lang)
    assert len(entries) > 50, "the catalogue looks empty: run `make messages`"
    untranslated = [describe(e, lang) for e in entries if not e.translated]
    fuzzy = [describe(e, lang) for e in entries if "fuzzy" in e.flags]
    assert not untranslated, "untranslated strings:\n" + "\n".join(untranslated)
    assert not fuzzy, "fuzzy translations to check and unflag:\n" + "\n".join(fuzzy)


@pytest.mark.parametrize("lang", LANGS)
def test_it_keeps_every_placeholder_in_translations(lang):
    wrong = []
    for entry in catalogue(lang):
        for index, text in entry.msgstr.items():
            source = entry.msgid if index == 0 or not entry.msgid_plural else entry.msgid_plural
            expected = set(PLACEHOLDER.findall(source))
            # A singular form may spell out the number ("un conteneur") instead of %(count)s.
            found = set(PLACEHOLDER.findall(text))
            if found != expected and not (entry.msgid_plural and found < expected):
                wrong.append(f"{describe(entry, lang)} -> {text!r}")
    assert not wrong, "placeholders differ from the English:\n" + "\n".join(wrong)


@pytest.mark.parametrize("lang", LANGS)
def test_it_declares_the_language_and_its_plural_forms(lang):
    header = {e.msgid: e for e in read_po(po_path(lang))}[""]
    text = header.msgstr[0]
    assert f"Language: {lang}\n" in text
    assert "Plural-Forms: nplurals=2;" in text
    assert "fuzzy" not in header.flags


@pytest.mark.parametrize("lang", LANGS)
def test_it_ships_compiled_catalogues_that_match_the_sources(lang):
    """The server reads the .mo: a .po edited without `make messages` changes nothing on screen."""
    expected = {}
    for entry in read_po(po_path(lang)):
        if not entry.translated or ("fuzzy" in entry.flags and entry.msgid):
            continue  # msgfmt leaves these out; gettext falls back to the English
        msgid = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt is not None else entry.msgid
        if entry.msgid_plural:
            expected.update({(msgid, n): text for n, text in entry.msgstr.items()})
        else:
            expected[msgid] = entry.msgstr[0]
    with open(po_path(lang).with_suffix(".mo"), "rb") as mo:
        compiled = dict(gettext.GNUTranslations(mo)._catalog)
    # msgfmt drops the extraction date from the header (reproducible builds).
    for catalog in (expected, compiled):
        catalog[""] = re.sub(r"POT-Creation-Date: .*\n", "", catalog.get("", ""))
    stale = sorted(
        repr(key)
        for key in expected.keys() | compiled.keys()
        if expected.get(key) != compiled.get(key)
    )
    assert not stale, f"{lang} .mo is out of date (run `make messages`):\n" + "\n".join(stale)


def _copy_sources(target: Path) -> None:
    def ignore(directory, names):
        skip = set()
        for name in names:
            path = Path(directory) / name
            if path.is_dir():
                if name in MAKEMESSAGES_IGNORE or name.startswith(".") or name in ("node_modules",):
                    skip.add(name)
            elif path.suffix not in (".py", ".html", ".txt", ".po"):
                skip.add(name)
        return skip

    shutil.copytree(settings.BASE_DIR, target, ignore=ignore)


@pytest.mark.skipif(
    shutil.which("xgettext") is None and not IN_CI,
    reason="GNU gettext is not installed (apt-get install gettext); CI always runs this",
)
def test_it_has_a_translation_for_every_string_marked_in_the_code(tmp_path, monkeypatch):
    """A string added to the code without `make messages` and a translation fails here."""
    assert shutil.which("xgettext"), "CI needs GNU gettext: apt-get install gettext"
    # makemessages writes scratch files beside the templates it reads: work on a copy.
    copy = tmp_path / "src"
    _copy_sources(copy)
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[copy / "locale"]):
        call_command(
            "makemessages",
            locale=list(LANGS),
            ignore_patterns=MAKEMESSAGES_IGNORE,
            no_obsolete=True,
            keep_pot=True,
            verbosity=0,
        )
    marked = {e.key: e for e in read_po(copy / "locale" / "django.pot") if e.msgid}
    assert len(marked) > 50, "extraction found almost nothing: is the source copy complete?"
    for lang in LANGS:
        known = {e.key for e in catalogue(lang) if e.translated and "fuzzy" not in e.flags}
        missing = sorted(set(marked) - known)
        assert not missing, (
            f"strings marked in the code but not translated in {lang} "
            "(run `make messages`, then translate them):\n"
            + "\n".join(f"  {msgid!r}" for _, msgid, _ in missing)
        )


def test_it_shows_the_login_page_in_english_by_default(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in page.text
    assert "Log in" in page.text


@pytest.mark.parametrize(
    ("lang", "log_in", "password"),
    [("fr", "Se connecter", "Mot de passe"), ("es", "Iniciar sesión", "Contraseña")],
)
def test_it_shows_the_login_page_in_the_browsers_language(client, lang, log_in, password):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=f"{lang},en;q=0.5")
    assert f'<html lang="{lang}">' in page.text
    assert log_in in page.text
    assert password in page.text
    assert ">Log in<" not in page.text


def test_it_follows_the_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Iniciar sesión" in page.text


def test_it_switches_language_with_the_language_switcher(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr")
    assert 'action="/i18n/setlang/"' in page.text
    assert "Se connecter" in page.text

    answer = client.post("/i18n/setlang/", {"language": "es", "next": "/accounts/login/"})
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/accounts/login/"

    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr")
    assert '<html lang="es">' in page.text
    assert "Iniciar sesión" in page.text


def test_it_offers_each_language_under_its_own_name(client):
    page = client.get("/accounts/login/")
    for code, name in (("en", "English"), ("fr", "français"), ("es", "español")):
        assert f'<option value="{code}"' in page.text
        assert name in page.text


def test_it_shows_an_officers_seizures_in_spanish(client, officer, seizure):
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = client.get(reverse("seizures:list"))
    assert page.status_code == 200
    assert seizure.reference in page.text
    for text in ("Registrar una incautación", "Cerrar sesión", "Borrador"):
        assert text in page.text


def test_it_shows_a_seizure_in_french(client, officer, seizure):
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get(reverse("seizures:detail", args=[seizure.public_id]))
    assert page.status_code == 200
    for text in ("Connaissement", "Mode de dissimulation", "Brouillon", "Itinéraire"):
        assert text in page.text
    assert "Bill of lading" not in page.text


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("fr", "Le chiffre de contrôle de MSCU1234567 devrait être 6"),
        ("es", "El dígito de control de MSCU1234567 debería ser 6"),
    ],
)
def test_it_explains_a_wrong_container_number_in_the_users_language(lang, message):
    with translation.override(lang), pytest.raises(ValidationError) as error:
        validate_container_number("MSCU1234567")
    assert message in error.value.messages[0]


@pytest.mark.parametrize(
    ("lang", "number", "date"),
    [
        ("en", "1,234.5", "March 5, 2026"),
        ("fr", "1\xa0234,5", "5 mars 2026"),
        ("es", "1\xa0234,5", "5 de marzo de 2026"),
    ],
)
def test_it_writes_numbers_and_dates_the_local_way(lang, number, date):
    with translation.override(lang):
        assert formats.number_format(Decimal("1234.5"), force_grouping=True) == number
        assert formats.date_format(dt.date(2026, 3, 5)) == date


@pytest.mark.parametrize(("lang", "expected"), [("en", "12.5 kg · 5"), ("fr", "12,5 kg · 5")])
def test_it_localises_numbers_in_templates(lang, expected):
    template = Template("{{ quantity }} kg · {{ when|date:'j' }}")
    with translation.override(lang):
        rendered = template.render(
            Context({"quantity": Decimal("12.5"), "when": dt.date(2026, 3, 5)})
        )
    assert rendered == expected
