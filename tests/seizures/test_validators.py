"""Check digits of container (ISO 6346) and IMO numbers, tested as properties.

The numbers are generated from the standards' own arithmetic, written out here once more
independently of seizures.validators, so a mistake in either shows up as a disagreement.
"""

import string

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from seizures.validators import (
    normalise_container_number,
    normalise_imo_number,
    validate_container_number,
    validate_hs_code,
    validate_imo_number,
)

# ISO 6346 letter values: 10 upwards, skipping 11, 22 and 33.
LETTER_VALUES = dict(
    zip(string.ascii_uppercase, [v for v in range(10, 39) if v % 11 != 0], strict=True)
)


def container_remainder(first_ten: str) -> int:
    total = sum(
        (LETTER_VALUES[c] if c.isalpha() else int(c)) * 2**i for i, c in enumerate(first_ten)
    )
    return total % 11


def imo_digit(first_six: str) -> int:
    return sum(int(d) * w for d, w in zip(first_six, (7, 6, 5, 4, 3, 2), strict=True)) % 10


def accepted(validator, value: str) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


owner_codes = st.text(alphabet=string.ascii_uppercase, min_size=3, max_size=3)
categories = st.sampled_from("UJZR")
serials = st.text(alphabet=string.digits, min_size=6, max_size=6)


@st.composite
def container_numbers(draw) -> str:
    first_ten = draw(owner_codes) + draw(categories) + draw(serials)
    return first_ten + str(container_remainder(first_ten) % 10)


@st.composite
def imo_numbers(draw) -> str:
    first_six = draw(st.text(alphabet=string.digits, min_size=6, max_size=6))
    return first_six + str(imo_digit(first_six))


# Containers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("CSQU3054383", True),
        ("MSCU1234566", True),
        ("csqu 305438-3", True),
        ("TGHU 876543-6", True),
        ("TGHU 876543-2", False),
        ("CSQU3054383X", False),
    ],
)
def test_it_checks_container_numbers_in_any_common_spelling(number, valid):
    assert accepted(validate_container_number, number) is valid


@given(container_numbers())
def test_it_accepts_every_container_number_with_the_right_check_digit(number):
    assert accepted(validate_container_number, number)


@given(container_numbers(), st.integers(min_value=1, max_value=9))
def test_it_rejects_a_container_number_whose_check_digit_was_changed(number, shift):
    wrong = number[:10] + str((int(number[10]) + shift) % 10)
    assert not accepted(validate_container_number, wrong)


@given(container_numbers(), st.integers(min_value=4, max_value=9), st.integers(1, 9))
def test_it_rejects_a_container_number_with_one_serial_digit_changed(number, position, shift):
    # The standard's blind spot: remainders 10 and 0 both give check digit 0, so a typo that
    # moves the sum between them cannot be seen. Every other single-digit typo is caught.
    changed = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
    assume({container_remainder(number[:10]), container_remainder(changed[:10])} != {0, 10})
    assert not accepted(validate_container_number, changed)


@given(st.text(max_size=30))
def test_it_answers_any_text_given_as_a_container_number_with_a_verdict_not_a_crash(text):
    accepted(validate_container_number, text)


@given(container_numbers(), st.lists(st.sampled_from([" ", "-", "/", "."]), max_size=3))
def test_it_normalises_container_numbers_once_and_for_all(number, separators):
    messy = number[:4] + "".join(separators) + number[4:10].lower() + " " + number[10]
    once = normalise_container_number(messy.lower())
    assert once == number
    assert normalise_container_number(once) == once
    assert accepted(validate_container_number, messy)


# IMO numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "valid"),
    [("9074729", True), ("IMO 9074729", True), ("imo9074729", True), ("9074728", False)],
)
def test_it_checks_published_imo_numbers(number, valid):
    assert accepted(validate_imo_number, number) is valid


@given(imo_numbers())
def test_it_accepts_every_imo_number_with_the_right_check_digit(number):
    assert accepted(validate_imo_number, number)


@given(imo_numbers(), st.integers(min_value=1, max_value=9))
def test_it_rejects_an_imo_number_whose_check_digit_was_changed(number, shift):
    assert not accepted(validate_imo_number, number[:6] + str((int(number[6]) + shift) % 10))


@given(imo_numbers(), st.integers(min_value=0, max_value=5), st.integers(1, 9))
def test_it_rejects_an_imo_number_with_one_digit_changed_where_the_weights_can_see_it(
    number, position, shift
):
    # Weights 7..2 modulo 10: a change of 5 under an even weight, or an even change under
    # weight 5, leaves the sum's last digit alone; the standard cannot catch those.
    weight = 7 - position
    assume(weight * shift % 10 != 0)
    changed = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
    assert not accepted(validate_imo_number, changed)


@given(imo_numbers(), st.integers(min_value=1, max_value=9))
def test_it_always_catches_a_typo_in_the_first_or_fifth_digit_of_an_imo_number(number, shift):
    for position in (0, 4):  # weights 7 and 3 share no factor with 10
        changed = (
            number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
        )
        assert not accepted(validate_imo_number, changed)


@given(st.text(max_size=20))
def test_it_answers_any_text_given_as_an_imo_number_with_a_verdict_not_a_crash(text):
    accepted(validate_imo_number, text)


@given(imo_numbers(), st.sampled_from(["", "IMO", "imo ", "IMO "]), st.sampled_from(["", " "]))
def test_it_normalises_imo_numbers_once_and_for_all(number, prefix, gap):
    once = normalise_imo_number(prefix + number[:3] + gap + number[3:])
    assert once == number
    assert normalise_imo_number(once) == once


# HS codes -----------------------------------------------------------------------------------


@given(
    st.sampled_from([4, 6, 8, 10]).flatmap(lambda n: st.text(string.digits, min_size=n, max_size=n))
)
def test_it_accepts_hs_codes_of_4_6_8_or_10_digits(code):
    assert accepted(validate_hs_code, code)


@given(st.text(max_size=12))
def test_it_refuses_anything_else_as_an_hs_code(text):
    assume(not (text.isascii() and text.isdigit() and len(text) in (4, 6, 8, 10)))
    assert not accepted(validate_hs_code, text)


def test_it_refuses_an_hs_code_with_a_final_newline():
    assert not accepted(validate_hs_code, "0803\n")
