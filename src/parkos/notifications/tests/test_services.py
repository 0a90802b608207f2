from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from parkos.accounts.tests.factories import UserFactory
from parkos.core.errors import Invalid, NotFound
from parkos.notifications import selectors, services
from parkos.notifications.models import Notification, Preference
from parkos.notifications.services import notification_send
from parkos.notifications.tests.factories import NotificationFactory, PreferenceFactory

pytestmark = pytest.mark.django_db


def send(capture: Any, **kwargs: Any) -> None:
    with capture(execute=True):
        notification_send(**kwargs)


# --- sending --------------------------------------------------------------------------------------

def test_rendered_in_each_recipients_language(people: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    send(django_capture_on_commit_callbacks, recipients=[people["alice"], people["bob"]], kind="reply",
         title=gettext_lazy("Log in"), body=gettext_lazy("Not found."), url="/community/", actor=people["carol"])
    alice = Notification.objects.get(recipient=people["alice"])
    bob = Notification.objects.get(recipient=people["bob"])
    assert (alice.title, alice.body) == ("Log in", "Not found.")
    assert (bob.title, bob.body) == ("登录", "未找到。")
    assert alice.actor == people["carol"] and alice.url == "/community/"


def test_actor_and_inactive_accounts_are_not_notified(people: dict[str, Any],
                                                      django_capture_on_commit_callbacks: Any) -> None:
    people["bob"].is_active = False
    people["bob"].save()
    send(django_capture_on_commit_callbacks, recipients=[people["alice"], people["bob"], people["carol"], None],
         kind="mention", title="hi", actor=people["carol"])
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [people["alice"].pk]


def test_unknown_kind_is_refused(people: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="unknown notification kind"):
        notification_send(recipients=[people["alice"]], kind="replies", title="x")


def test_a_link_that_does_not_fit_is_refused_not_cut(people: dict[str, Any],
                                                      django_capture_on_commit_callbacks: Any) -> None:
    """A link cut at 300 characters leads nowhere: refused before anything is written (issue 13)."""
    long_url = "/community/" + "a" * 300
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Invalid) as err:
        notification_send(recipients=[people["alice"]], kind="reply", title="x", url=long_url)
    assert err.value.code == "too_long" and not callbacks and not Notification.objects.exists()


def test_a_long_translated_title_is_shown_with_an_ellipsis(people: dict[str, Any],
                                                          django_capture_on_commit_callbacks: Any) -> None:
    send(django_capture_on_commit_callbacks, recipients=[people["alice"]], kind="reply", title="题" * 250)
    title = Notification.objects.get().title
    assert len(title) == 200 and title.endswith("…")


def test_nothing_is_written_before_commit_or_after_rollback(people: dict[str, Any],
                                                            django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                notification_send(recipients=[people["alice"]], kind="reply", title="x")
                assert not Notification.objects.exists()
                raise RuntimeError("the domain write failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []


# --- preferences and e-mail -----------------------------------------------------------------------

def test_immediate_kind_is_emailed_once_in_the_recipients_language(
        people: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    send(django_capture_on_commit_callbacks, recipients=[people["alice"]], kind="order",
         title="Order #12 accepted", body="Your butler accepted it.", url="/services/orders/12/")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [people["alice"].email]
    assert "Order #12 accepted" in message.subject
    notification = Notification.objects.get()
    # The link goes through the notification's page (marks it read, then follows the same-site link).
    assert services.public_url(f"/notifications/{notification.pk}/") in message.body
    assert "/notifications/settings/" in message.body  # the way to switch it off
    html = message.alternatives[0][0]  # type: ignore[attr-defined]
    assert "Open in ParkOS" in str(html)
    assert notification.emailed_at is not None
    # A duplicated job sends nothing more.
    assert services.notification_email_send(notification_id=notification.pk) is False
    assert len(mail.outbox) == 1


def test_a_foreign_link_never_reaches_the_mail(people: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    send(django_capture_on_commit_callbacks, recipients=[people["alice"]], kind="order", title="x",
         url="//evil.example/phish")
    assert "evil.example" not in mail.outbox[0].body


def test_digest_kinds_wait_for_the_digest(people: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    send(django_capture_on_commit_callbacks, recipients=[people["alice"], people["bob"]], kind="reply",
         title="Reply one", url="/community/posts/1/")
    send(django_capture_on_commit_callbacks, recipients=[people["alice"]], kind="mention", title="Mention two")
    send(django_capture_on_commit_callbacks, recipients=[people["alice"]], kind="suggestion", title="Suggestion three")
    assert mail.outbox == []

    assert services.digest_send() == 2  # one mail per member, however many kinds
    by_to = {m.to[0]: m for m in mail.outbox}
    alice = by_to[people["alice"].email]
    assert "3" in alice.subject
    for title in ("Reply one", "Mention two", "Suggestion three"):
        assert title in alice.body
    # Grouped by kind, under the kind's label, in the member's language.
    assert "Replies and comments on what I wrote" in alice.body
    assert "Mentions of me or my enterprise" in alice.body
    assert "/notifications/settings/" in alice.body
    assert by_to[people["bob"].email].body.count("Reply one") == 1

    # Idempotent: a second run sends nothing new; a new notification goes in the next one alone.
    assert services.digest_send() == 0
    send(django_capture_on_commit_callbacks, recipients=[people["alice"]], kind="reply", title="Reply four")
    assert services.digest_send() == 1
    assert "Reply four" in mail.outbox[-1].body and "Reply one" not in mail.outbox[-1].body
    assert len(mail.outbox) == 3


def test_digest_skips_read_old_and_switched_off(people: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    alice = people["alice"]
    PreferenceFactory(user=alice, kind="mention", email="off")
    NotificationFactory(recipient=alice, kind="reply", read_at=timezone.now(), title="Already read")
    old = NotificationFactory(recipient=alice, kind="reply", title="Old")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    NotificationFactory(recipient=alice, kind="mention", title="Switched off")
    NotificationFactory(recipient=alice, kind="order", title="Immediate kind")
    assert services.digest_send() == 0
    assert mail.outbox == []


def test_switched_off_kind_sends_no_mail_and_no_row(people: dict[str, Any],
                                                    django_capture_on_commit_callbacks: Any) -> None:
    services.preferences_update(user=people["alice"], changes=[{"kind": "reply", "in_app": False, "email": "off"},
                                                               {"kind": "order", "in_app": True, "email": "off"}])
    send(django_capture_on_commit_callbacks, recipients=[people["alice"]], kind="reply", title="x")
    send(django_capture_on_commit_callbacks, recipients=[people["alice"]], kind="order", title="y")
    assert list(Notification.objects.values_list("kind", flat=True)) == ["order"]
    assert services.digest_send() == 0
    assert mail.outbox == []


def test_email_only_kind_is_mailed_but_never_shown(people: dict[str, Any],
                                                   django_capture_on_commit_callbacks: Any) -> None:
    alice = people["alice"]
    services.preferences_update(user=alice, changes=[{"kind": "event", "in_app": False, "email": "immediate"}])
    send(django_capture_on_commit_callbacks, recipients=[alice], kind="event", title="Starts in an hour")
    assert len(mail.outbox) == 1
    assert selectors.unread_count(viewer=alice) == 0
    assert not selectors.notification_list(viewer=alice).exists()


def test_member_without_email_gets_no_mail(db: None, django_capture_on_commit_callbacks: Any) -> None:
    phone_only = UserFactory(email=None, mobile="13800000001")
    send(django_capture_on_commit_callbacks, recipients=[phone_only], kind="order", title="x")
    send(django_capture_on_commit_callbacks, recipients=[phone_only], kind="reply", title="y")
    assert services.digest_send() == 0
    assert mail.outbox == []
    assert selectors.unread_count(viewer=phone_only) == 2


def test_preferences_are_validated_all_or_nothing(people: dict[str, Any]) -> None:
    alice = people["alice"]
    bad = [
        [{"kind": "reply", "in_app": True, "email": "digest"}, {"kind": "moderation", "in_app": False, "email": "off"}],
        [{"kind": "reply", "in_app": True, "email": "weekly"}],
        [{"kind": "replies", "in_app": True, "email": "off"}],
        [],
    ]
    for changes in bad:
        with pytest.raises(Invalid):
            services.preferences_update(user=alice, changes=changes)
    assert not Preference.objects.exists()
    choices = {c.kind: c for c in services.preferences_update(
        user=alice, changes=[{"kind": "reply", "in_app": False, "email": "immediate"}])}
    assert (choices["reply"].in_app, choices["reply"].email) == (False, "immediate")
    assert (choices["order"].in_app, choices["order"].email, choices["order"].critical) == (True, "immediate", True)
    assert choices["mention"].email == "digest"


# --- reading, retention ---------------------------------------------------------------------------

def test_mark_read_only_own(people: dict[str, Any]) -> None:
    mine = NotificationFactory(recipient=people["alice"])
    theirs = NotificationFactory(recipient=people["bob"])
    assert services.notification_mark_read(user=people["alice"], notification_id=mine.pk).read_at is not None
    with pytest.raises(NotFound):
        services.notification_mark_read(user=people["alice"], notification_id=theirs.pk)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_by_kind(people: dict[str, Any]) -> None:
    alice = people["alice"]
    NotificationFactory.create_batch(2, recipient=alice, kind="reply")
    NotificationFactory(recipient=alice, kind="order")
    NotificationFactory(recipient=people["bob"], kind="reply")
    assert services.notification_mark_all_read(user=alice, kind="reply") == 2
    assert selectors.unread_count(viewer=alice) == 1
    assert services.notification_mark_all_read(user=alice) == 1
    assert selectors.unread_count(viewer=people["bob"]) == 1
    with pytest.raises(Invalid):
        services.notification_mark_all_read(user=alice, kind="nope")


def test_prune_deletes_only_old_read(people: dict[str, Any]) -> None:
    alice = people["alice"]
    old_read = NotificationFactory(recipient=alice, read_at=timezone.now())
    old_unread = NotificationFactory(recipient=alice)
    recent_read = NotificationFactory(recipient=alice, read_at=timezone.now())
    Notification.objects.filter(pk__in=[old_read.pk, old_unread.pk]).update(
        created_at=timezone.now() - timedelta(days=200))
    assert services.notification_prune(days=180) == 1
    assert set(Notification.objects.values_list("pk", flat=True)) == {old_unread.pk, recent_read.pk}
    with pytest.raises(Invalid):
        services.notification_prune(days=0)


@pytest.mark.parametrize(("url", "safe"), [
    ("/community/posts/1/", True), ("/", True), ("", False), ("//evil.example/", False),
    ("/\\evil.example", False), ("https://evil.example/", False), ("javascript:alert(1)", False),
    ("/ok\r\nLocation: x", False),
])
def test_is_safe_path(url: str, safe: bool) -> None:
    assert services.is_safe_path(url) is safe


def test_command_sends_digest_and_prunes(people: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    NotificationFactory(recipient=people["alice"], kind="reply")
    out = StringIO()
    call_command("notifications-digest", stdout=out)
    assert "digests sent: 1" in out.getvalue()
    assert len(mail.outbox) == 1
    call_command("notifications-digest", stdout=out)
    assert len(mail.outbox) == 1
    NotificationFactory(recipient=people["bob"], kind="mention")
    call_command("notifications-digest", "--enqueue", stdout=out)  # the test task backend runs it at once
    assert len(mail.outbox) == 2 and mail.outbox[1].to == [people["bob"].email]


def test_failed_mail_is_retried_by_the_next_run(people: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.mail import EmailMultiAlternatives

    NotificationFactory(recipient=people["alice"], kind="reply", title="Try again")
    immediate = NotificationFactory(recipient=people["bob"], kind="order", title="Order")

    def refuse(self: Any, fail_silently: bool = False) -> int:
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    assert services.digest_send() == 0
    with pytest.raises(ConnectionRefusedError):
        services.notification_email_send(notification_id=immediate.pk)
    assert not Notification.objects.filter(emailed_at__isnull=False).exists()

    monkeypatch.undo()
    assert services.digest_send() == 1
    assert services.notification_email_send(notification_id=immediate.pk) is True
    assert [m.subject for m in mail.outbox if "Order" in m.subject] and "Try again" in mail.outbox[0].body
