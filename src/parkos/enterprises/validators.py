"""The unified social credit code (统一社会信用代码), GB 32100-2015."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from parkos.core.errors import ErrorCode

# The code's alphabet: digits and capitals without I, O, S, V, Z.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise_credit_code(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip().replace(" ", "").upper()


def validate_credit_code(value: str) -> None:
    code = normalise_credit_code(value)
    if len(code) != 18:
        raise ValidationError(_("A unified social credit code has 18 characters."), code=ErrorCode.CREDIT_CODE)
    bad = [ch for ch in code if ch not in ALPHABET]
    if bad:
        raise ValidationError(
            _("The character %(char)s cannot appear in a unified social credit code."), params={"char": bad[0]},
            code=ErrorCode.CREDIT_CODE,
        )
    if check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong: please check the code."),
            code=ErrorCode.CREDIT_CODE,
        )


def make_credit_code(body17: str) -> str:
    return body17 + check_character(body17)
