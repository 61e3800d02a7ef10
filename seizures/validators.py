"""Check digits of the identifiers printed on boxes and ships.

A wrong check digit almost always means a typo; refusing it at the boundary keeps the
search for "the same container seen elsewhere" reliable.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_CONTAINER_RE = re.compile(r"^[A-Z]{3}[UJZR][0-9]{6}[0-9]$")
_IMO_RE = re.compile(r"^[0-9]{7}$")
_HS_RE = re.compile(r"^[0-9]{4}([0-9]{2}([0-9]{2,4})?)?$")


def _letter_values() -> dict[str, int]:
    # ISO 6346 numbers the letters from 10 upwards, skipping multiples of 11.
    values, n = {}, 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if n % 11 == 0:
            n += 1
        values[letter] = n
        n += 1
    return values


_LETTERS = _letter_values()


def normalise_container_number(raw: str) -> str:
    return re.sub(r"[\s\-/.]", "", raw or "").upper()


def iso6346_check_digit(first_ten: str) -> int:
    """The check digit of owner code + category + serial (10 characters)."""
    total = 0
    for position, char in enumerate(first_ten):
        value = _LETTERS[char] if char.isalpha() else int(char)
        total += value * (2**position)
    return total % 11 % 10


def validate_container_number(value: str) -> None:
    number = normalise_container_number(value)
    if not _CONTAINER_RE.fullmatch(number):
        raise ValidationError(
            _(
                "A container number is 3 letters of owner code, a category letter (U, J, Z "
                "or R), 6 digits and a check digit, e.g. MSCU1234566."
            ),
            code="container_format",
        )
    expected = iso6346_check_digit(number[:10])
    if int(number[10]) != expected:
        raise ValidationError(
            _("Check digit of %(number)s should be %(expected)s: please re-read the number.")
            % {"number": number, "expected": expected},
            code="container_check_digit",
        )


def normalise_imo_number(raw: str) -> str:
    return re.sub(r"^IMO", "", re.sub(r"\s", "", raw or "").upper())


def imo_check_digit(first_six: str) -> int:
    return sum(int(d) * w for d, w in zip(first_six, range(7, 1, -1), strict=True)) % 10


def validate_imo_number(value: str) -> None:
    number = normalise_imo_number(value)
    if not _IMO_RE.fullmatch(number):
        raise ValidationError(_("An IMO number has seven digits, e.g. 9074729."), code="imo_format")
    if int(number[6]) != imo_check_digit(number[:6]):
        raise ValidationError(
            _("IMO %(number)s has a wrong check digit: please re-read the number.")
            % {"number": number},
            code="imo_check_digit",
        )


def validate_hs_code(value: str) -> None:
    if not _HS_RE.fullmatch(value or ""):
        raise ValidationError(
            _("An HS code is 4, 6, 8 or 10 digits without dots, e.g. 080390."),
            code="hs_format",
        )
