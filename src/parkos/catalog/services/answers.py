"""A service's request form, answered: each answer checked against the field the service declares
(type, required, choices, length). Unknown keys are dropped; errors name the field ``answers.<name>``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from parkos.catalog.models import Service
from parkos.core.errors import ErrorCode, Invalid
from parkos.core.text import clean_text, has_control_chars

TEXT_MAX = 200
TEXTAREA_MAX = 2000
NUMBER_MAX = Decimal("1e12")


def answers_validate(service: Service, raw: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """The service's request form, checked field by field. Raises ``Invalid`` with every field's error.
    ``partial``: required questions may stay unanswered (an order another domain places for the enterprise,
    whose note says what it is about; the provider asks for the rest), what is answered is still checked."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for spec in service.fields if isinstance(service.fields, list) else []:
        if not isinstance(spec, dict) or not spec.get("name"):
            continue
        name = str(spec["name"])
        try:
            value = _answer(spec, raw.get(name), partial=partial)
        except ValueError as error:
            errors[f"answers.{name}"] = [str(error)]
            continue
        if value is not None:
            clean[name] = value
    if errors:
        first = next(iter(errors.values()))[0]
        raise Invalid(first, code=ErrorCode.INVALID, details=errors)
    return clean


def _answer(spec: dict[str, Any], value: Any, *, partial: bool = False) -> Any:
    """One answer, cleaned; None when left empty. A ValueError carries the message for the field."""
    kind = str(spec.get("type") or "text")
    text = "" if value is None else str(value).strip()
    if not text:
        if spec.get("required") and not partial:
            raise ValueError(_("This field is required."))
        return None
    if has_control_chars(text):
        raise ValueError(_("Control characters are not allowed."))
    if kind == "number":
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise ValueError(_("Enter a number.")) from None
        if not number.is_finite() or abs(number) > NUMBER_MAX:
            raise ValueError(_("Enter a number."))
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == "date":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(_("Enter a valid date (YYYY-MM-DD).")) from None
    if kind == "choice":
        if text not in [str(c) for c in spec.get("choices") or []]:
            raise ValueError(_("Choose one of the offered options."))
        return text
    multiline = kind == "textarea"
    try:
        return clean_text(text, field="answer", limit=TEXTAREA_MAX if multiline else TEXT_MAX, multiline=multiline)
    except Invalid as error:
        raise ValueError(str(error.message)) from None
