"""Domain errors: a stable code, a translatable message, optional details per field.

One handler turns them into the API's {"code", "message", "details"} body (config/api.py) and
pages show them as form errors (core/forms.py)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "invalid"
    status = 400
    default_message: Any = _("The request could not be completed.")

    def __init__(self, message: Any = None, *, code: str | None = None, details: dict[str, Any] | None = None):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.details = details or {}
        super().__init__(str(self.message))


class Invalid(DomainError):
    code = "invalid"
    status = 400
    default_message = _("Some fields are not valid.")

    @classmethod
    def from_validation_error(cls, error: ValidationError) -> Invalid:
        if hasattr(error, "error_dict"):
            details = {field: [str(m) for m in ValidationError(errs).messages] for field, errs in error.error_dict.items()}
        else:
            details = {"__all__": [str(m) for m in error.messages]}
        first = next(iter(details.values()))[0] if details else None
        return cls(first or cls.default_message, details=details)


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    default_message = _("You do not have permission to do this.")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = _("This conflicts with the current state.")


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
    default_message = _("Too many attempts. Please wait a few minutes and try again.")


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status = 401
    default_message = _("Please log in first.")


def field_error(field: str, message: Any, *, code: str = "invalid") -> Invalid:
    return Invalid(message, code=code, details={field: [str(message)]})
