"""Webhook deliveries to gate apps: queued when a passage is stored or a visitor arrives, sent signed,
retried with backoff, failed after the last attempt (kept, readable and replayable by an operator).

What a receiver gets (one POST of JSON per delivery)::

    X-ParkOS-Event: passage.created
    X-ParkOS-Delivery: 123                    (the same on every retry of this delivery: dedupe on it)
    X-ParkOS-Timestamp: 1767225600            (Unix seconds when this attempt was signed)
    X-ParkOS-Signature: v1=<hex HMAC-SHA256(webhook secret, f"{timestamp}.{body}")>

    {"delivery_id": 123, "event": "passage.created", "app_id": 7, "replay_of": null, "data": {...}}

A receiver checks the signature over the raw body and refuses timestamps older than a few minutes, so a
captured request cannot be replayed later. Payloads carry only what the app's scope allows: passage
id, gate id, direction and time, and for a member an opaque reference (stable for this app, different
for every app, so two apps cannot join their data on it) and whether the member consented to
temperature screening; never a name or a mobile number."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.access.models import AccessPreference, App, AppScope, Delivery, Passage
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode

logger = logging.getLogger("parkos.access")

PASSAGE_CREATED = "passage.created"
VISITOR_ARRIVED = "visitor.arrived"
EVENTS = {PASSAGE_CREATED: AppScope.PASSAGES_READ, VISITOR_ARRIVED: AppScope.VISITORS_READ}

# Seconds to wait after the 1st, 2nd, … failed attempt; one attempt more than delays, then failed.
BACKOFF = (30, 120, 600, 3600, 6 * 3600)
MAX_ATTEMPTS: int = getattr(settings, "ACCESS_WEBHOOK_MAX_ATTEMPTS", len(BACKOFF) + 1)
TIMEOUT = 5.0
# While one worker sends a delivery its next attempt is pushed this far ahead (the claim): another
# worker finds it not due and leaves it. Longer than TIMEOUT, so a claim outlives its send; a worker
# that dies mid-send leaves a claim that simply lapses, and the delivery is sent again (at least once).
CLAIM_SECONDS = 60
RUN_DUE_BATCH = 500

Status = Delivery.Status


def member_reference(app_id: int, user_id: int) -> str:
    """An opaque, stable reference to a member for one app (keyed with the server's secret)."""
    key = hashlib.sha256(f"parkos.access.app-member:{settings.SECRET_KEY}".encode()).digest()
    return "m_" + hmac.new(key, f"{app_id}:{user_id}".encode(), hashlib.sha256).hexdigest()[:24]


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The X-ParkOS-Signature value of ``body`` sent at ``timestamp``."""
    message = str(timestamp).encode() + b"." + body
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def passage_data(passage: Passage, app_id: int, consents: dict[int, bool]) -> dict[str, Any]:
    """A passage as an app with ``passages.read`` sees it (the webhook and GET /access/app/passages)."""
    data: dict[str, Any] = {
        "passage_id": passage.pk, "gate_id": passage.gate_id, "direction": passage.direction,
        "occurred_at": passage.occurred_at.isoformat(),
        "subject": "member" if passage.user_id else ("visitor" if passage.visitor_id else "unknown"),
    }
    if passage.user_id:
        data["member_ref"] = member_reference(app_id, passage.user_id)
        data["screening_consent"] = consents.get(passage.user_id, False)
    return data


def screening_consents(user_ids: Iterable[int]) -> dict[int, bool]:
    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    return dict(AccessPreference.objects.filter(user_id__in=ids).values_list("user_id", "temperature_screening"))


def _apps_for(park_ids: set[int], gate_ids: set[int], scope: str) -> dict[int, list[App]]:
    """gate id -> the active apps with ``scope`` that include that gate."""
    by_gate: dict[int, list[App]] = {}
    if not gate_ids:
        return by_gate
    apps = App.objects.filter(park_id__in=park_ids, is_active=True, gates__in=gate_ids).distinct()
    wanted = [a for a in apps if scope in (a.scopes or [])]
    if not wanted:
        return by_gate
    through = App.gates.through.objects.filter(app_id__in=[a.pk for a in wanted], gate_id__in=gate_ids)
    apps_by_id = {a.pk: a for a in wanted}
    for app_id, gate_id in through.values_list("app_id", "gate_id"):
        by_gate.setdefault(gate_id, []).append(apps_by_id[app_id])
    return by_gate


def _queue(rows: list[Delivery]) -> list[Delivery]:
    """Insert ``rows`` and send each once the transaction commits. Rows are due at once, so if enqueueing
    fails (the worker's queue is down) ``deliveries_run_due`` still finds them: nothing is lost."""
    if not rows:
        return []
    with transaction.atomic():
        # SQLite ≥ 3.35 and PostgreSQL return the new ids from one bulk INSERT.
        created = Delivery.objects.bulk_create(rows)
        ids = [d.pk for d in created]
        transaction.on_commit(lambda: _enqueue(ids))
    return created


def _enqueue(delivery_ids: list[int], *, run_after: datetime | None = None) -> None:
    from parkos.access.tasks import delivery_attempt as task

    for delivery_id in delivery_ids:
        try:
            if run_after is not None:
                task.using(run_after=run_after).enqueue(delivery_id=delivery_id)
            else:
                task.enqueue(delivery_id=delivery_id)
        except Exception:  # the row is due in the table; deliveries_run_due sends it
            logger.exception("could not enqueue webhook delivery %s", delivery_id)


def passages_published(*, passage_ids: list[int]) -> None:
    """Queue a ``passage.created`` delivery of each accepted passage to every active app with
    ``passages.read`` whose gates include the passage's gate (called after ingestion commits)."""
    if not passage_ids:
        return
    passages = list(Passage.objects.filter(pk__in=passage_ids, result=Passage.Result.ACCEPTED).order_by("pk")
                    .only("pk", "park_id", "gate_id", "direction", "occurred_at", "user_id", "visitor_id"))
    if not passages:
        return
    by_gate = _apps_for({p.park_id for p in passages}, {p.gate_id for p in passages}, AppScope.PASSAGES_READ)
    if not by_gate:
        return
    consents = screening_consents(p.user_id for p in passages if p.gate_id in by_gate and p.user_id)
    rows = [Delivery(app_id=app.pk, event=PASSAGE_CREATED, payload=passage_data(p, app.pk, consents))
            for p in passages for app in by_gate.get(p.gate_id, ())]
    _queue(rows)


def visitor_arrived_published(*, visitor_id: int, passage_id: int) -> None:
    """Queue a ``visitor.arrived`` delivery to every active app with ``visitors.read`` at the gate the
    visitor came in by. The visitor's name and host enterprise, never their mobile number."""
    passage = (Passage.objects.filter(pk=passage_id, visitor_id=visitor_id)
               .select_related("visitor", "visitor__enterprise").first())
    if passage is None or passage.visitor is None:
        return
    apps = _apps_for({passage.park_id}, {passage.gate_id}, AppScope.VISITORS_READ).get(passage.gate_id, [])
    data = visitor_data(passage)
    _queue([Delivery(app_id=app.pk, event=VISITOR_ARRIVED, payload=data) for app in apps])


def visitor_data(passage: Passage) -> dict[str, Any]:
    """A visitor's arrival as an app with ``visitors.read`` sees it."""
    visitor = passage.visitor
    assert visitor is not None
    return {
        "visitor_id": visitor.pk, "passage_id": passage.pk, "gate_id": passage.gate_id,
        "occurred_at": passage.occurred_at.isoformat(), "name": visitor.name,
        "host_enterprise": visitor.enterprise.name if visitor.enterprise is not None else "",
        "valid_until": visitor.valid_until.isoformat(), "walk_in": visitor.walk_in,
    }


# --- sending ----------------------------------------------------------------------------------------

class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer that is not 2xx (a receiver that moved is fixed by its operator), and
    following one would send the signed body somewhere nobody registered."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects())


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """POST and return (HTTP status or None, error text or "")."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:
            response.read(1024)
            return int(response.status), ""
    except urllib.error.HTTPError as error:
        return int(error.code), f"HTTP {error.code}"
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        return None, f"{type(error).__name__}: {reason}"


def _envelope(delivery: Delivery) -> bytes:
    return json.dumps({"delivery_id": delivery.pk, "event": delivery.event, "app_id": delivery.app_id,
                       "replay_of": delivery.replay_of_id, "data": delivery.payload},
                      ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def backoff_after(attempts: int) -> timedelta:
    return timedelta(seconds=BACKOFF[min(attempts, len(BACKOFF)) - 1])


def delivery_attempt(*, delivery_id: int) -> str:
    """Send one delivery now if it is due; returns its status after the attempt ("delivered", "pending"
    with the next attempt scheduled, "failed"), or "skipped" when it is not due (delivered, failed,
    scheduled later, or being sent by another worker).

    Locking: the claim is one conditional UPDATE (due and pending -> next attempt pushed ahead), so of
    two workers only one sees a row changed and sends; no transaction is held open during the HTTP call
    (on SQLite that would stop every other writer for up to TIMEOUT seconds)."""
    now = timezone.now()
    claimed = Delivery.objects.filter(pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now).update(
        next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
    if not claimed:
        return "skipped"
    delivery = Delivery.objects.select_related("app").get(pk=delivery_id)
    app = delivery.app
    if not app.is_active:
        Delivery.objects.filter(pk=delivery_id).update(
            status=Status.FAILED, last_error=_("The app is switched off."), next_attempt_at=now)
        return Status.FAILED
    body = _envelope(delivery)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8", "User-Agent": "ParkOS-Webhooks/1",
        "X-ParkOS-Event": delivery.event, "X-ParkOS-Delivery": str(delivery.pk),
        "X-ParkOS-Timestamp": str(timestamp), "X-ParkOS-Signature": sign(app.webhook_secret, timestamp, body),
    }
    code, error = _post(app.webhook_url, body, headers)
    attempts = delivery.attempts + 1
    done = timezone.now()
    # The code outside a small integer column (a broken server answering 70000) is kept as None.
    status_code = code if code is not None and 0 <= code <= 32767 else None
    if code is not None and 200 <= code < 300:
        Delivery.objects.filter(pk=delivery_id).update(
            status=Status.DELIVERED, attempts=attempts, last_status_code=status_code, last_error="",
            delivered_at=done, next_attempt_at=done)
        return Status.DELIVERED
    # A diagnostic ParkOS wrote itself (an exception's text), so cutting it to the column is fine.
    error = (error or (f"HTTP {code}" if code is not None else "error"))[:300]
    if attempts >= MAX_ATTEMPTS:
        Delivery.objects.filter(pk=delivery_id).update(
            status=Status.FAILED, attempts=attempts, last_status_code=status_code, last_error=error,
            next_attempt_at=done)
        return Status.FAILED
    next_at = done + backoff_after(attempts)
    Delivery.objects.filter(pk=delivery_id).update(
        attempts=attempts, last_status_code=status_code, last_error=error, next_attempt_at=next_at)
    if _can_defer():
        _enqueue([delivery_id], run_after=next_at)
    return Status.PENDING


def _can_defer() -> bool:
    from parkos.access.tasks import delivery_attempt as task

    try:
        return bool(task.get_backend().supports_defer)
    except Exception:  # without a deferring backend the periodic run sends retries
        return False


def deliveries_run_due(*, limit: int = RUN_DUE_BATCH) -> int:
    """Attempt every pending delivery whose next attempt is due (oldest first, at most ``limit``);
    returns how many were attempted by this call."""
    now = timezone.now()
    ids = list(Delivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    return sum(1 for delivery_id in ids if delivery_attempt(delivery_id=delivery_id) != "skipped")


def delivery_replay(*, actor: Any, delivery: Delivery) -> Delivery:
    """Send a delivery again as a new delivery (same event and payload, ``replay_of`` the original), for
    an operator whose receiver lost or failed it."""
    policy.require(actor, "access.app.manage", delivery.app)
    original = delivery.replay_of_id or delivery.pk
    with transaction.atomic():
        # Read under lock: the app switched off a moment ago must not be sent to.
        app = App.objects.select_for_update().get(pk=delivery.app_id)
        if not app.is_active:
            raise Conflict(_("The app is switched off: reactivate it before replaying."), code=ErrorCode.INACTIVE)
        created = _queue([Delivery(app_id=app.pk, event=delivery.event, payload=delivery.payload,
                                   replay_of_id=original)])
    return created[0]
