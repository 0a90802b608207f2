"""The member's sessions: where they are logged in, and ending the others.

A ``SessionRecord`` is written when a session logs in (``user_logged_in``), its ``last_seen`` touched by
``SessionActivityMiddleware`` at most every ``SESSION_TOUCH_SECONDS`` (the time of the last touch is kept
in the session itself, so most requests write nothing), and deleted at log-out. Ending a session deletes
it through the configured ``SESSION_ENGINE`` (db or cached_db: the cache entry goes too), so that browser
is logged out on its next request. The scheduled job ``accounts.sessions_purge`` drops the records of
sessions that expired or were flushed elsewhere (a password change elsewhere, Django's own expiry)."""

from __future__ import annotations

import contextlib
import time
from datetime import timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.accounts.models import SessionRecord, User
from parkos.core.client_ip import client_address
from parkos.core.errors import Conflict, NotFound

TOUCHED_KEY = "parkos_seen"  # {"at": epoch seconds, "key": session key} of the last touch, in the session


def _store(session_key: str | None = None) -> SessionBase:
    store_class: Any = import_module(settings.SESSION_ENGINE).SessionStore
    return store_class(session_key=session_key)  # type: ignore[no-any-return]


def _user_agent(request: HttpRequest) -> str:
    return (request.META.get("HTTP_USER_AGENT") or "")[:300]


def _address(request: HttpRequest) -> str | None:
    return client_address(request)


# --- writes -------------------------------------------------------------------------------------

def session_record_login(*, request: HttpRequest | None, user: Any) -> None:
    """``user_logged_in``: record the new session (its key was just cycled by ``login``)."""
    if request is None or not hasattr(request, "session") or not isinstance(user, User):
        return
    session = request.session
    if not session.session_key:
        session.save()
    key = session.session_key
    if not key:
        return
    now = timezone.now()
    try:
        with transaction.atomic():
            SessionRecord.objects.update_or_create(
                session_key=key,
                defaults={"user": user, "created_at": now, "last_seen": now, "ip_address": _address(request),
                          "user_agent": _user_agent(request)})
    except IntegrityError:  # the same session recorded by a concurrent request: it is there
        pass
    session[TOUCHED_KEY] = {"at": int(time.time()), "key": key}


def session_record_logout(*, request: HttpRequest | None) -> None:
    """``user_logged_out``: the session is about to be flushed; its record goes with it."""
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        SessionRecord.objects.filter(session_key=key).delete()


def session_touch(request: HttpRequest) -> None:
    """Note that the logged-in session is in use: at most one write every ``SESSION_TOUCH_SECONDS`` (a
    session from before this page existed gets its record here too). A session whose key was cycled
    (a password change: ``update_session_auth_hash``) carries its record over to the new key."""
    session = request.session
    now = int(time.time())
    key = session.session_key
    user = request.user
    if not key or not isinstance(user, User):
        return
    seen = session.get(TOUCHED_KEY)
    last, last_key = (seen.get("at"), seen.get("key")) if isinstance(seen, dict) else (None, None)
    if isinstance(last, int) and now - last < settings.SESSION_TOUCH_SECONDS and last_key == key:
        return
    stamp = timezone.now()
    address = _address(request)
    records = SessionRecord.objects.filter(user=user)
    updated = records.filter(session_key=key).update(last_seen=stamp, ip_address=address)
    if not updated and last_key and last_key != key:
        updated = records.filter(session_key=last_key).update(session_key=key, last_seen=stamp, ip_address=address)
    if not updated:
        try:
            with transaction.atomic():
                SessionRecord.objects.create(session_key=key, user=user, created_at=stamp, last_seen=stamp,
                                             ip_address=address, user_agent=_user_agent(request))
        except IntegrityError:  # created by a concurrent request of the same session
            pass
    session[TOUCHED_KEY] = {"at": now, "key": key}


def session_end(*, actor: User, record_id: int, current_key: str | None) -> None:
    """End one of the actor's other sessions. Another member's session is "not found", as is a wrong id."""
    record = SessionRecord.objects.filter(pk=record_id, user=actor).first()
    if record is None:
        raise NotFound(_("This session does not exist or has already ended."))
    if current_key and record.session_key == current_key:
        raise Conflict(_("This is the session you are using: log out instead."))
    _end(record)


def session_end_others(*, actor: User, current_key: str | None) -> int:
    """End every session of the actor but the current one; returns how many were ended."""
    records = list(SessionRecord.objects.filter(user=actor).exclude(session_key=current_key or ""))
    for record in records:
        _end(record)
    return len(records)


def _end(record: SessionRecord) -> None:
    _store(record.session_key).delete()
    record.delete()


def session_records_purge() -> int:
    """Scheduled: drop records of sessions that no longer exist or were not seen within the session age,
    and let the session engine clear its own expired sessions. Returns how many records went."""
    store_class: Any = import_module(settings.SESSION_ENGINE).SessionStore
    with contextlib.suppress(NotImplementedError):  # engines that expire on their own (cache)
        store_class.clear_expired()
    now = timezone.now()
    deleted, _detail = SessionRecord.objects.filter(
        last_seen__lt=now - timedelta(seconds=settings.SESSION_COOKIE_AGE)).delete()
    get_model_class = getattr(store_class, "get_model_class", None)
    if get_model_class is not None:  # db and cached_db: one set-based delete against the session table
        alive = get_model_class().objects.filter(expire_date__gt=now).values("session_key")
        deleted += SessionRecord.objects.exclude(session_key__in=alive).delete()[0]
        return deleted
    gone = [r.pk for r in SessionRecord.objects.only("pk", "session_key").iterator(chunk_size=500)
            if not _store().exists(r.session_key)]
    for start in range(0, len(gone), 500):
        deleted += SessionRecord.objects.filter(pk__in=gone[start:start + 500]).delete()[0]
    return deleted


def on_logged_in(sender: Any, request: HttpRequest | None = None, user: Any = None, **kwargs: Any) -> None:
    session_record_login(request=request, user=user)


def on_logged_out(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    session_record_logout(request=request)


# --- reads --------------------------------------------------------------------------------------

def session_list(*, viewer: User, current_key: str | None) -> list[dict[str, Any]]:
    """The viewer's sessions, the current one first, then by last use; each with a short description of
    its browser. Sessions already gone from the session store are left out."""
    store = _store()
    rows = []
    for record in SessionRecord.objects.filter(user=viewer).order_by("-last_seen"):
        current = bool(current_key) and record.session_key == current_key
        if not current and not store.exists(record.session_key):
            continue
        rows.append({"id": record.pk, "current": current, "device": describe_user_agent(record.user_agent),
                     "ip": record.ip_address or "", "created_at": record.created_at, "last_seen": record.last_seen})
    rows.sort(key=lambda row: not row["current"])
    return rows


_BROWSERS = (("Edg/", "Edge"), ("MicroMessenger", "WeChat"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
             ("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Safari/", "Safari"))
_SYSTEMS = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("HarmonyOS", "HarmonyOS"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def describe_user_agent(user_agent: str) -> str:
    """"Chrome on Android": enough to recognise one's own devices, without a user-agent database."""
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), "")
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or (user_agent[:40] if user_agent else _("Unknown device"))
