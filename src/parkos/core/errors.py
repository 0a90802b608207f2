"""Domain errors: a stable code, a translatable message, optional details per field.

One handler turns them into the API's {"code", "message", "details"} body (config/api.py) and
pages show them as form errors (core/forms.py)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class ErrorCode(StrEnum):
    """Every code an error of ParkOS can carry: the API's ``code`` field and the page's form errors.

    Clients branch on these, so a code is stable once published: add new ones, never rename. One idea,
    one code (no synonyms): a field that is too long is ``too_long`` whatever the field."""

    # the request itself
    INVALID = "invalid"
    BAD_REQUEST = "bad_request"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    URI_TOO_LONG = "uri_too_long"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_AUTHENTICATED = "not_authenticated"
    CSRF_FAILED = "csrf_failed"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    # a field's value
    REQUIRED = "required"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    TOO_MANY = "too_many"
    TOO_LARGE = "too_large"
    OUT_OF_RANGE = "out_of_range"
    CONTROL_CHARS = "control_chars"
    MARKUP = "markup"
    INVALID_CHOICE = "invalid_choice"
    IN_THE_PAST = "past"
    IN_THE_FUTURE = "future"
    ENDS_BEFORE_START = "ends_before_start"
    OVERLAP = "overlap"  # a time range that overlaps another one of the same owner
    DUPLICATE = "duplicate"
    TAKEN = "taken"
    EMAIL = "email"
    MOBILE = "mobile"
    CREDIT_CODE = "credit_code"
    WEAK_PASSWORD = "weak_password"
    BAD_CREDENTIALS = "bad_credentials"
    SMS_CODE_WRONG = "sms_code_wrong"
    SMS_CODE_EXPIRED = "sms_code_expired"
    SMS_UNAVAILABLE = "sms_unavailable"
    CONSENT = "consent"
    # two-factor authentication (accounts/twofactor.py): the step a session or a log-in still lacks, and wrong codes
    TWO_FACTOR_REQUIRED = "two_factor_required"  # the account has an app: its code is needed (log-in, session)
    TWO_FACTOR_ENROLMENT_REQUIRED = "two_factor_enrolment_required"  # the role requires an app not yet set up
    TWO_FACTOR_CODE_INVALID = "two_factor_code_invalid"  # the app's code is wrong or expired
    RECOVERY_CODE_INVALID = "recovery_code_invalid"  # not one of the unused recovery codes
    # files
    FILE_TYPE = "file_type"
    FILE_EMPTY = "file_empty"
    # state machines and value-moving writes
    ILLEGAL_TRANSITION = "illegal_transition"
    UNKNOWN_ACTION = "unknown_action"
    NOT_YOUR_TURN = "not_your_turn"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    CLOSED = "closed"
    NOT_OPEN = "not_open"
    CANCELLED = "cancelled"
    WITHDRAWN = "withdrawn"
    FULL = "full"
    ALREADY_DONE = "already_done"
    OWN_CONTENT = "own_content"
    NOT_ELIGIBLE = "not_eligible"
    INACTIVE = "inactive"
    # people and their standing
    BLOCKED = "blocked"
    BANNED = "banned"
    SUSPENDED = "suspended"
    NOT_STAFF = "not_staff"
    ALREADY_MEMBER = "already_member"
    ADMIN_MUST_HAND_OVER = "admin_must_hand_over"
    NO_BUTLER = "no_butler"
    NOT_YOUR_BUTLER = "not_your_butler"
    # invitations
    INVITATION_NOT_FOUND = "invitation_not_found"
    INVITATION_USED = "invitation_used"
    INVITATION_REVOKED = "invitation_revoked"
    INVITATION_EXPIRED = "invitation_expired"
    # events
    OFFER_EXPIRED = "offer_expired"
    NO_OFFER = "no_offer"
    CHECKED_IN = "checked_in"
    # scenes and deals
    DEAL_OPEN = "deal_open"
    MILESTONE_SUM = "milestone_sum"
    # the ledger
    LEDGER_AMOUNT = "ledger_amount"
    LEDGER_ACCOUNT = "ledger_account"
    LEDGER_KEY = "ledger_key"
    LEDGER_UNBALANCED = "ledger_unbalanced"
    # rewards: coupons, packs, redemptions
    COUPON_CODE = "coupon_code"
    COUPON_CODE_EXPIRED = "coupon_code_expired"
    COUPON_USED = "coupon_used"
    COUPON_EXPIRED = "coupon_expired"
    NOT_YOUR_COUPON = "not_your_coupon"
    NOT_ACCEPTED_HERE = "not_accepted_here"
    MIN_SPEND = "min_spend"
    NOT_STACKABLE = "not_stackable"
    NOT_TRANSFERABLE = "not_transferable"
    LIMIT_REACHED = "limit_reached"
    BUDGET_EXCEEDED = "budget_exceeded"
    OUT_OF_STOCK = "out_of_stock"
    ALREADY_CLAIMED = "already_claimed"
    REVERSAL_TOO_LATE = "reversal_too_late"
    SETTLED = "settled"
    # bookings: rooms, venues, desks, credits
    OUTSIDE_HOURS = "outside_hours"
    TOO_FAR_AHEAD = "too_far_ahead"
    CREDITS_EXHAUSTED = "credits_exhausted"
    QUOTE_CHANGED = "quote_changed"
    CANCEL_TOO_LATE = "cancel_too_late"
    NOT_CHECKIN_TIME = "not_checkin_time"
    ALLOCATED = "allocated"
    # insights: year reports and dashboards
    NOT_READY = "not_ready"
    NO_GIFT = "no_gift"
    # network: financing, introductions, data rooms
    NO_RATE = "no_rate"
    TERMS_NOT_ACCEPTED = "terms_not_accepted"
    ACCESS_EXPIRED = "access_expired"
    ACCESS_REVOKED = "access_revoked"
    # competitions: applications, judging, results
    DEADLINE_PASSED = "deadline_passed"
    CONFLICT_OF_INTEREST = "conflict_of_interest"
    NOT_ASSIGNED = "not_assigned"
    SCORE_LOCKED = "score_locked"
    ROUND_NOT_OPEN = "round_not_open"
    NOT_REVIEWED = "not_reviewed"
    APPEAL_CLOSED = "appeal_closed"
    NO_JUDGES = "no_judges"


class DomainError(Exception):
    code: str = ErrorCode.INVALID
    status = 400
    default_message: Any = _("The request could not be completed.")

    def __init__(self, message: Any = None, *, code: str | None = None, details: dict[str, Any] | None = None,
                 retry_after: int | None = None):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.details = details or {}
        self.retry_after = retry_after  # seconds, sent as Retry-After with a 429
        super().__init__(str(self.message))


class Invalid(DomainError):
    code = ErrorCode.INVALID
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
    code = ErrorCode.FORBIDDEN
    status = 403
    default_message = _("You do not have permission to do this.")


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND
    status = 404
    default_message = _("Not found.")


class Conflict(DomainError):
    code = ErrorCode.CONFLICT
    status = 409
    default_message = _("This conflicts with the current state.")


class RateLimited(DomainError):
    code = ErrorCode.RATE_LIMITED
    status = 429
    default_message = _("Too many attempts. Please wait a few minutes and try again.")


class NotAuthenticated(DomainError):
    code = ErrorCode.NOT_AUTHENTICATED
    status = 401
    default_message = _("Please log in first.")


def field_error(field: str, message: Any, *, code: str = ErrorCode.INVALID) -> Invalid:
    return Invalid(message, code=code, details={field: [str(message)]})
