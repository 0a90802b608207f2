"""Temperature screening: the member's separate consent, the readings an app attaches to passages, the
operators' handling of alerts, and the retention purge.

Body temperature is sensitive personal information (PIPL art. 28-29): a reading is stored only while the
member's separate consent is given, at most the park's reading retention (never more than 14 days), and
withdrawing the consent deletes every reading of the member at once. The consent row of the member is the
lock both sides take (``select_for_update``), so a reading arriving while the member withdraws is either
deleted by the withdrawal or refused after it, never left behind."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.access.models import AccessPreference, AccessSettings, App, AppScope, Passage, Reading
from parkos.access.services.audit import sensitive_read_record
from parkos.core import policy
from parkos.core.errors import (
    Conflict,
    ErrorCode,
    Forbidden,
    Invalid,
    NotAuthenticated,
    NotFound,
    field_error,
)

LOW, HIGH = Decimal("30.0"), Decimal("45.0")
# Above this a reading is an alert; exactly 37.3 is not (the park's rule: "above 37.3 °C").
ALERT_ABOVE = Decimal("37.3")
MAX_RETENTION_DAYS = 14
# A device clock a little ahead of the server's is not a reason to lose a reading.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)


# Alerts have a kind of their own: in the app always, by e-mail at once unless the operator changes it.
ALERT_KIND = "access_alert"


# --- consent ----------------------------------------------------------------------------------------

def _preference_locked(user_id: int) -> AccessPreference:
    AccessPreference.objects.get_or_create(user_id=user_id)
    return AccessPreference.objects.select_for_update().get(user_id=user_id)


def temperature_consent_set(*, actor: Any, given: bool) -> AccessPreference:
    """Give or withdraw the member's separate consent to temperature screening (idempotent).

    Withdrawing deletes all the member's readings in the same transaction; later readings are refused."""
    if not getattr(actor, "is_authenticated", False):
        raise NotAuthenticated()
    with transaction.atomic():
        pref = _preference_locked(actor.pk)
        now = timezone.now()
        if given:
            if not pref.temperature_screening:
                pref.temperature_screening = True
                pref.temperature_consented_at = now
        else:
            pref.temperature_screening = False
            pref.temperature_consented_at = None
            Reading.objects.filter(user_id=actor.pk).delete()
        pref.updated_at = now
        pref.save(update_fields=["temperature_screening", "temperature_consented_at", "updated_at"])
    return pref


def temperature_consent_of(user: Any) -> AccessPreference | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return AccessPreference.objects.filter(user_id=user.pk).first()


# --- readings ---------------------------------------------------------------------------------------

def _value(value: Any) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise field_error("value", _("Enter a temperature in °C, such as 36.5."), code=ErrorCode.INVALID) from None
    if not number.is_finite() or not LOW <= number <= HIGH:
        raise field_error("value", _("A body temperature must be between 30.0 and 45.0 °C."),
                          code=ErrorCode.OUT_OF_RANGE)
    return number.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _measured_at(value: dt.datetime, *, retention_days: int) -> dt.datetime:
    when = value if timezone.is_aware(value) else timezone.make_aware(value)
    now = timezone.now()
    if when > now + FUTURE_TOLERANCE:
        raise field_error("measured_at", _("The measurement time is in the future."), code=ErrorCode.IN_THE_FUTURE)
    if when < now - dt.timedelta(days=retention_days):
        raise field_error("measured_at", _("The measurement is older than the park keeps readings."),
                          code=ErrorCode.IN_THE_PAST)
    return when


def retention_days_of(park_id: int) -> int:
    days = AccessSettings.objects.filter(park_id=park_id).values_list("reading_retention_days", flat=True).first()
    return min(days or MAX_RETENTION_DAYS, MAX_RETENTION_DAYS)


def reading_attach(*, app: App, passage_id: int, value: Any, measured_at: dt.datetime) -> Reading:
    """An app attaches a body temperature to a passage at one of its gates.

    Refused unless the app may write readings, the passage is an accepted one at one of the app's gates
    (any other passage is not found: an app learns nothing about gates it was not given) and its member
    has consented now. Idempotent per (passage, app, kind): the same value again returns the first
    reading; another value for the same passage is a conflict. Above 37.3 °C the reading is an alert and
    the park's operators are notified (without the value: a notification is not the audited place).
    Locks the member's consent row (see the module's docstring)."""
    if not app.has_scope(AppScope.READINGS_WRITE):
        raise Forbidden(_("This app may not attach readings (scope readings.write)."))
    number = _value(value)
    passage = (Passage.objects.filter(pk=passage_id, park_id=app.park_id, result=Passage.Result.ACCEPTED)
               .select_related("gate").first())
    if passage is None or not app.gates.filter(pk=passage.gate_id).exists():
        raise NotFound(_("No such passage at this app's gates."), details={"passage_id": [str(_("Not found."))]})
    if passage.user_id is None:
        raise Forbidden(_("Readings are attached only to members' passages, with their consent."),
                        code=ErrorCode.CONSENT)
    when = _measured_at(measured_at, retention_days=retention_days_of(passage.park_id))
    with transaction.atomic():
        pref = _preference_locked(passage.user_id)
        if not pref.temperature_screening or pref.temperature_consented_at is None:
            raise Forbidden(_("This member has not consented to temperature screening."), code=ErrorCode.CONSENT)
        if when < pref.temperature_consented_at - FUTURE_TOLERANCE:
            raise Forbidden(_("The measurement was taken before the member consented."), code=ErrorCode.CONSENT)
        existing = Reading.objects.filter(passage_id=passage.pk, app=app, kind=Reading.Kind.TEMPERATURE).first()
        if existing is None:
            try:
                with transaction.atomic():
                    reading = Reading.objects.create(
                        park_id=passage.park_id, passage=passage, user_id=passage.user_id, app=app,
                        kind=Reading.Kind.TEMPERATURE, value=number, is_alert=number > ALERT_ABOVE, measured_at=when)
            except IntegrityError:  # the same reading sent twice at once: the other request wrote it
                existing = Reading.objects.get(passage_id=passage.pk, app=app, kind=Reading.Kind.TEMPERATURE)
            else:
                if reading.is_alert:
                    _notify_alert(reading, gate_name=str(passage.gate))
                return reading
        if existing.value != number:
            raise Conflict(_("This passage already has a different reading from this app."),
                           code=ErrorCode.IDEMPOTENCY_CONFLICT)
        return existing


def _notify_alert(reading: Reading, *, gate_name: str) -> None:
    from parkos.accounts.selectors import user_list_with_role
    from parkos.notifications.services import notification_send

    operators = user_list_with_role(role=policy.OPERATOR, park=reading.park_id)
    # The title names the gate and the time, never the member or the value: the operator opens the alert
    # (an audited read) to see who it is.
    notification_send(
        recipients=list(operators), kind=ALERT_KIND,
        title=format_lazy(_("Temperature alert at {gate}"), gate=gate_name),
        body=format_lazy(_("A reading above 37.3 °C at {time}. Open the alert to handle it."),
                         time=timezone.localtime(reading.measured_at).strftime("%H:%M")),
        url=reverse("access:screening_alert", args=[reading.pk]))


def alert_resolve(*, actor: Any, reading: Reading) -> Reading:
    """Mark an alert handled (idempotent: the first handling time stays). Operators of the reading's
    park; the handling is recorded in the audit log like a read."""
    policy.require(actor, "access.alerts.view", reading)
    with transaction.atomic():
        locked = Reading.objects.select_for_update().filter(pk=reading.pk).first()
        if locked is None:  # withdrawn or purged meanwhile
            raise NotFound(_("No such alert."))
        if not locked.is_alert:
            raise Invalid(_("This reading is not an alert."), code=ErrorCode.INVALID)
        if locked.resolved_at is None:
            locked.resolved_at = timezone.now()
            locked.save(update_fields=["resolved_at"])
            sensitive_read_record(actor=actor, park_id=locked.park_id, subject_id=locked.user_id,
                                  what="alert.resolve", object_id=locked.pk)
    return locked


# --- retention --------------------------------------------------------------------------------------

def readings_purge(*, now: dt.datetime | None = None) -> int:
    """Delete readings older than their park's retention (at most 14 days): one DELETE per park that set
    its own retention, one for every other park."""
    now = now or timezone.now()
    deleted = 0
    custom: dict[int, int] = {park_id: min(days, MAX_RETENTION_DAYS) for park_id, days in
                              AccessSettings.objects.values_list("park_id", "reading_retention_days")}
    for park_id, days in custom.items():
        cutoff = now - dt.timedelta(days=days)
        count, _rows = Reading.objects.filter(
            Q(measured_at__lt=cutoff) | Q(created_at__lt=cutoff), park_id=park_id).delete()
        deleted += count
    cutoff = now - dt.timedelta(days=MAX_RETENTION_DAYS)
    count, _rows = (Reading.objects.exclude(park_id__in=list(custom))
                    .filter(Q(measured_at__lt=cutoff) | Q(created_at__lt=cutoff)).delete())
    return deleted + count
