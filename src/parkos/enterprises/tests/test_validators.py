"""The unified social credit code (GB 32100-2015), checked against an independent implementation."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from parkos.enterprises.validators import check_character, normalise_credit_code, validate_credit_code

# GB 32100-2015, 4.2 and annex: the 31 characters and their values, in order; I, O, S, V, Z are not used.
CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def published_check(first17: str) -> str:
    """C18 = 31 - (sum(Ci * Wi) mod 31), Wi = 3^(i-1) mod 31; a result of 31 is written 0."""
    total = sum(CHARS.index(ch) * pow(3, i, 31) for i, ch in enumerate(first17))
    value = 31 - total % 31
    return CHARS[0 if value == 31 else value]


# Codes as printed on real business licences (well-known companies' public registrations).
REAL_CODES = [
    "9144030071526726XG",
    "914403001922038216",
    "91350100M000100Y43",
    "91330100799655058B",
    "91110000802100433B",
]
# Bodies in the shape of Beijing Haidian registrations (91 110108 MA01xxxxx).
BODIES = ["91110108MA01ABCDE", "91110108MA01XKQ3T", "91110108MA0000000", "91110108MA01YYYYY",
          "12100000400000624", "93110108MA01PLN7U"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code: str) -> None:
    assert published_check(code[:17]) == code[17]
    validate_credit_code(code)


@pytest.mark.parametrize("body", BODIES)
def test_check_character_matches_the_published_algorithm(body: str) -> None:
    expected = published_check(body)
    assert check_character(body) == expected
    validate_credit_code(body + expected)


def test_check_character_zero_case() -> None:
    # Find a body whose sum is divisible by 31: its check character must be "0", not out of range.
    for n in range(10_000):
        body = f"91110108MA{n:07d}"
        if published_check(body) == "0":
            assert check_character(body) == "0"
            validate_credit_code(body + "0")
            return
    pytest.fail("no body with check character 0 found")


@pytest.mark.parametrize("code", REAL_CODES + [b + published_check(b) for b in BODIES])
def test_every_wrong_check_character_is_refused(code: str) -> None:
    for ch in CHARS:
        if ch == code[17]:
            continue
        with pytest.raises(ValidationError) as info:
            validate_credit_code(code[:17] + ch)
        assert info.value.code == "credit_code"
        with translation.override("en"):
            assert "check character" in info.value.messages[0]


@pytest.mark.parametrize("bad", ["I", "O", "S", "V", "Z", "-", "*", "中"])
def test_characters_outside_the_alphabet_are_refused(bad: str) -> None:
    code = "91110108MA01ABCD" + bad + "X"
    with pytest.raises(ValidationError) as info:
        validate_credit_code(code)
    assert info.value.code == "credit_code"
    with translation.override("en"):
        assert "cannot appear" in info.value.messages[0]


@pytest.mark.parametrize("code", ["", "9144030071526726X", "9144030071526726XGG", "91440300"])
def test_wrong_length_is_refused(code: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_credit_code(code)
    assert info.value.code == "credit_code"
    with translation.override("en"):
        assert "18 characters" in info.value.messages[0]


def test_lower_case_full_width_and_spaces_are_normalised() -> None:
    assert normalise_credit_code(" 9144 0300 7152 6726xg ") == "9144030071526726XG"
    validate_credit_code("9144030071526726xg")
    validate_credit_code("９１４４０３００７１５２６７２６ＸＧ")
