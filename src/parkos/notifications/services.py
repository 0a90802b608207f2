"""Sending notifications. Domains call ``notification_send`` from inside their own write functions;
the rows are written after the surrounding transaction commits, so a refused write notifies nobody.

After commit, per recipient and per their choices for the kind: a row for the bell (unless switched
off), a live push to their open pages (channel layer group ``notifications.user.<id>``), and an
e-mail at once (a background task) or later in the daily digest (``digest_send``)."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.core.errors import ErrorCode, Invalid, field_error
from parkos.core.generations import generation_bump, generation_bump_many
from parkos.core.text import require_fits
from parkos.notifications import selectors
from parkos.notifications.kinds import CRITICAL, KINDS, Email
from parkos.notifications.models import Notification, Preference

if TYPE_CHECKING:
    from parkos.accounts.models import User

log = logging.getLogger(__name__)

# Unread, un-mailed notifications older than this are left out of a digest: a member who comes back
# after months gets one short mail, not a backlog.
DIGEST_MAX_AGE = timedelta(days=7)
DIGEST_MAX_ITEMS = 50


def group_name(user_id: int) -> str:
    return f"notifications.user.{user_id}"


def public_url(path: str) -> str:
    """An absolute link for e-mails (settings.PUBLIC_URL, e.g. "https://park.example")."""
    base = str(getattr(settings, "PUBLIC_URL", "") or f"http://127.0.0.1:{getattr(settings, 'WS_PORT', 8001) - 1}")
    return base.rstrip("/") + path


def _render(text: Any, language: str) -> str:
    with translation.override(language or None):
        return str(text)


def _publish(messages: list[tuple[int, dict[str, Any]]]) -> None:
    """Push to the members' open pages, all in one hop to the event loop. Best effort: a channel layer
    that is down never breaks a write; the next page load shows the truth.

    With Redis this reaches every websocket process; in embedded mode (in-memory layer) the web
    process has no sockets, and the websocket process's relay (consumers.py) picks new rows up."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send_all() -> None:
        for user_id, message in messages:
            await layer.group_send(group_name(user_id), message)

    def push() -> None:
        try:
            async_to_sync(send_all)()
        except Exception:
            log.warning("notification push to %d members failed", len(messages), exc_info=True)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        push()
        return
    # Called from a thread that runs an event loop (an async caller, or a test driving a browser):
    # async_to_sync refuses to block that loop, so the push goes through a short-lived thread.
    worker = threading.Thread(target=push, daemon=True)
    worker.start()
    worker.join(timeout=5)


def live_message(notification: Notification) -> dict[str, Any]:
    return {"type": "notification.new", "id": notification.pk, "kind": notification.kind,
            "title": notification.title, "url": notification.url}


URL_MAX, TITLE_MAX = 300, 200


def _headline(title: str) -> str:
    """The bell's one-line title, composed by ParkOS from others' texts (a suggestion's title, a
    member's name) and rendered per language: shortened with an ellipsis when a translation runs long.
    It is a display line, not anyone's input; the whole item is at its link."""
    return title if len(title) <= TITLE_MAX else title[:TITLE_MAX - 1] + "…"


def notification_send(*, recipients: Iterable[User], kind: str, title: Any, body: Any = "", url: str = "",
                      actor: User | None = None) -> None:
    """Notify each recipient (never the actor themself, never an inactive account) once the current
    transaction commits.

    ``title`` and ``body`` may be lazy translations (``gettext_lazy``, ``format_lazy``): they are
    rendered in each recipient's interface language. Each member's choices for ``kind`` decide the
    channels; a member who switched both off gets no row at all."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}; add it to notifications.kinds.KINDS")
    # A link cut short leads nowhere: one that does not fit is refused here, before anything is written.
    url = require_fits(url, field="url", limit=URL_MAX)
    people = {u.pk: u for u in recipients if u is not None and u.is_active and (actor is None or u.pk != actor.pk)}
    if not people:
        return

    def write() -> None:
        choices = selectors.choices_for(people)
        rows = []
        for uid, user in people.items():
            choice = choices[uid][kind]
            if not choice.in_app and choice.email == Email.OFF:
                continue
            rows.append(Notification(recipient=user, kind=kind, title=_headline(_render(title, user.language)),
                                     body=_render(body, user.language), url=url, actor=actor,
                                     in_app=choice.in_app))
        created = Notification.objects.bulk_create(rows)
        # bulk_create sends no signals: the recipients' bell figures are counted again (core/generations.py).
        generation_bump_many(selectors.unread_set(row.recipient_id) for row in created if row.in_app)
        from parkos.notifications.tasks import notification_email

        for row in created:
            if choices[row.recipient_id][kind].email == Email.IMMEDIATE and people[row.recipient_id].email:
                notification_email.enqueue(notification_id=row.pk)
        _publish([(row.recipient_id, live_message(row)) for row in created if row.in_app])

    transaction.on_commit(write)


# --- reading ----------------------------------------------------------------------------------------

def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the member's own notifications read (idempotent: the first read time stays)."""
    notification = selectors.notification_get(viewer=user, notification_id=notification_id)
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
        generation_bump(selectors.unread_set(user.pk))
        _count_on_commit(user)
    return notification


def notification_mark_all_read(*, user: User, kind: str = "") -> int:
    if kind and kind not in KINDS:
        raise field_error("kind", gettext_lazy("Unknown kind of notification."), code=ErrorCode.INVALID_CHOICE)
    qs = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    changed = qs.update(read_at=timezone.now())
    if changed:
        generation_bump(selectors.unread_set(user.pk))
        _count_on_commit(user)
    return changed


def _count_on_commit(user: User) -> None:
    """Other open tabs of the member update their badge."""
    user_id = user.pk
    transaction.on_commit(lambda: _publish([(user_id, {"type": "notification.count"})]))


# --- preferences ------------------------------------------------------------------------------------

def preferences_update(*, user: User, changes: Iterable[dict[str, Any]]) -> list[selectors.Choice]:
    """Set the member's choices: each change is ``{"kind", "in_app", "email"}``. All or nothing: one bad
    change refuses the whole request and changes nothing."""
    wanted: dict[str, tuple[bool, str]] = {}
    for change in changes:
        kind = str(change.get("kind", ""))
        if kind not in KINDS:
            raise field_error("kind", gettext_lazy("Unknown kind of notification."), code=ErrorCode.INVALID_CHOICE)
        email = str(change.get("email", ""))
        if email not in Email.values:
            raise field_error(f"{kind}.email", gettext_lazy("Choose how to be e-mailed: off, at once or in the digest."),
                              code=ErrorCode.INVALID_CHOICE)
        in_app = bool(change.get("in_app", True))
        if kind in CRITICAL and not in_app:
            raise field_error(f"{kind}.in_app", gettext_lazy(
                "These notifications concern your account and always appear in the app."))
        wanted[kind] = (in_app, email)
    if not wanted:
        raise Invalid(gettext_lazy("Nothing to change."), code=ErrorCode.EMPTY)
    with transaction.atomic():
        for kind, (in_app, email) in wanted.items():
            Preference.objects.update_or_create(user=user, kind=kind, defaults={"in_app": in_app, "email": email})
    return selectors.preference_list(viewer=user)


# --- e-mail -----------------------------------------------------------------------------------------

def _park_name(user: User) -> str:
    """The recipient's park (their first park, else the portfolio's default), in the active language."""
    from parkos.core.parks import park_default, parks_of

    mine = parks_of(user)
    return (mine[0] if mine else park_default()).display_name()


def _email_context(user: User) -> dict[str, Any]:
    return {"user": user, "park_name": _park_name(user),
            "settings_url": public_url(reverse("notifications:settings")),
            "list_url": public_url(reverse("notifications:list"))}


def _email_link(notification: Notification) -> str:
    """Through the notification's own page when it is in the app, so following the mail marks it read."""
    if not is_safe_path(notification.url):
        return ""
    if notification.in_app:
        return public_url(reverse("notifications:open", args=[notification.pk]))
    return public_url(notification.url)


def _send_mail(*, user: User, subject: str, template: str, context: dict[str, Any]) -> int:
    body = render_to_string(f"notifications/email/{template}.txt", context)
    html = render_to_string(f"notifications/email/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[user.email or ""],
                                     headers={"List-Unsubscribe": f"<{context['settings_url']}>"})
    message.attach_alternative(html, "text/html")
    return message.send()


def notification_email_send(*, notification_id: int) -> bool:
    """E-mail one notification now (the 'at once' choice).

    The row is claimed first (``emailed_at`` set where it was empty), so a retried or duplicated job
    sends once; the mail goes out after that short write, not inside it (SQLite would otherwise hold
    its write lock for the length of an SMTP conversation); a failed send releases the claim."""
    now = timezone.now()
    if not Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=now):
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    user = notification.recipient
    if not user.is_active or not user.email:
        return False
    try:
        with translation.override(user.language or None):
            context = {**_email_context(user), "notification": notification, "link": _email_link(notification),
                       "kind_label": str(KINDS.get(notification.kind, ""))}
            _send_mail(user=user, subject=f"[{context['park_name']}] {notification.title}", template="single",
                       context=context)
    except Exception:
        Notification.objects.filter(pk=notification_id, emailed_at=now).update(emailed_at=None)
        raise
    return True


def digest_send(*, now: datetime | None = None) -> int:
    """Send each member one e-mail with their unread notifications of the kinds they want in the digest,
    not e-mailed before and at most a week old. Idempotent: what is sent is marked ``emailed_at``, so
    a second run sends nothing new. Returns the number of e-mails sent.

    A member whose mail fails keeps their notifications un-mailed for the next run; the others still
    get theirs."""
    now = now or timezone.now()
    pending = (Notification.objects.filter(emailed_at__isnull=True, read_at__isnull=True,
                                           created_at__gte=now - DIGEST_MAX_AGE, created_at__lte=now,
                                           recipient__is_active=True, recipient__email__isnull=False)
               .exclude(recipient__email="").order_by().values_list("recipient_id", "kind").distinct())
    by_user: dict[int, set[str]] = defaultdict(set)
    for uid, kind in pending:
        by_user[uid].add(kind)
    if not by_user:
        return 0
    choices = selectors.choices_for(by_user)
    sent = 0
    for uid, kinds in by_user.items():
        digest_kinds = [k for k in kinds if k in KINDS and choices[uid][k].email == Email.DIGEST]
        if not digest_kinds:
            continue
        try:
            sent += _digest_one(user_id=uid, kinds=digest_kinds, now=now)
        except Exception:
            log.exception("notification digest for user %s failed; it is retried on the next run", uid)
    return sent


def _digest_one(*, user_id: int, kinds: list[str], now: datetime) -> bool:
    from parkos.accounts.models import User

    user = User.objects.get(pk=user_id)
    candidates = Notification.objects.filter(recipient_id=user_id, kind__in=kinds, emailed_at__isnull=True,
                                             read_at__isnull=True, created_at__gte=now - DIGEST_MAX_AGE,
                                             created_at__lte=now)
    ids = list(candidates.values_list("pk", flat=True))
    if not ids:
        return False
    # Claim (a concurrent run claims nothing twice: the update only takes rows still un-mailed).
    with transaction.atomic():
        Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).update(emailed_at=now)
        items = list(Notification.objects.filter(pk__in=ids, emailed_at=now).order_by("kind", "-created_at", "-id"))
    if not items:
        return False
    try:
        shown = items[:DIGEST_MAX_ITEMS]
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for n in shown:
            groups[n.kind].append({"title": n.title, "body": n.body, "created_at": n.created_at,
                                   "link": _email_link(n)})
        with translation.override(user.language or None):
            sections = [{"label": str(KINDS[k]), "items": groups[k]} for k in KINDS if k in groups]
            context = {**_email_context(user), "sections": sections, "total": len(items),
                       "more": len(items) - len(shown)}
            subject = _("[%(park)s] Your notifications: %(count)d new") % {"park": context["park_name"],
                                                                           "count": len(items)}
            _send_mail(user=user, subject=subject, template="digest", context=context)
    except Exception:
        Notification.objects.filter(pk__in=[n.pk for n in items], emailed_at=now).update(emailed_at=None)
        raise
    return True


def notification_prune(*, days: int, now: datetime | None = None) -> int:
    """Delete read notifications older than ``days`` (unread ones stay until read)."""
    if days < 1:
        raise field_error("days", gettext_lazy("Keep notifications for at least one day."), code=ErrorCode.OUT_OF_RANGE)
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _by_model = Notification.objects.filter(read_at__isnull=False, created_at__lt=cutoff).delete()
    return deleted


def is_safe_path(url: str) -> bool:
    """Only a same-site path is followed: "/x", never "//host", "/\\host", "http://…" or "javascript:"."""
    return (bool(url) and url.startswith("/") and not url.startswith(("//", "/\\"))
            and not any(c in url for c in "\r\n\t\\") and len(url) <= 300)
