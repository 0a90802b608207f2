"""The sessions page: each log-in is listed with its device and address, the current one marked; a member
ends another session (that browser is logged out for real) or all others, and never someone else's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from parkos.accounts import sessions
from parkos.accounts.models import SessionRecord, User
from parkos.accounts.tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db
PHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.0 Mobile/15E148 Safari/604.1")
DESK_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def log_in(user: User, *, agent: str, ip: str) -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    response = client.post(reverse("accounts:login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and client.session.get("_auth_user_id") == str(user.pk)
    return client


def test_two_log_ins_are_two_sessions_with_their_devices_and_the_current_one_marked() -> None:
    user = make_user()
    log_in(user, agent=PHONE_UA, ip="10.1.2.3")
    desk = log_in(user, agent=DESK_UA, ip="10.9.8.7")
    records = SessionRecord.objects.filter(user=user)
    assert records.count() == 2
    with override_settings(LANGUAGE_CODE="en"):
        listed = sessions.session_list(viewer=user, current_key=desk.session.session_key)
    assert [row["current"] for row in listed] == [True, False]
    assert listed[0]["ip"] == "10.9.8.7" and "Chrome" in listed[0]["device"] and "Windows" in listed[0]["device"]
    assert listed[1]["ip"] == "10.1.2.3" and "iPhone" in listed[1]["device"]

    page = desk.get(reverse("accounts:security")).content.decode()
    assert page.count('data-testid="session-row"') == 2 and page.count('data-current="1"') == 1
    assert "10.1.2.3" in page and "10.9.8.7" in page


def test_ending_the_other_session_logs_that_browser_out() -> None:
    user = make_user()
    phone = log_in(user, agent=PHONE_UA, ip="10.1.2.3")
    desk = log_in(user, agent=DESK_UA, ip="10.9.8.7")
    phone_record = SessionRecord.objects.get(session_key=phone.session.session_key)
    assert phone.get(reverse("accounts:me")).status_code == 200

    response = desk.post(reverse("accounts:session_end", args=[phone_record.pk]))
    assert response.status_code == 302
    assert not SessionRecord.objects.filter(pk=phone_record.pk).exists()
    assert not Session.objects.filter(session_key=phone_record.session_key).exists()
    assert phone.get(reverse("accounts:me")).status_code == 302  # back to the log-in page
    assert desk.get(reverse("accounts:me")).status_code == 200
    # The current session is not ended this way (log out instead).
    own = SessionRecord.objects.get(session_key=desk.session.session_key)
    assert desk.post(reverse("accounts:session_end", args=[own.pk])).status_code == 409
    assert desk.get(reverse("accounts:me")).status_code == 200


def test_ending_all_other_sessions_keeps_this_one() -> None:
    user = make_user()
    others = [log_in(user, agent=PHONE_UA, ip=f"10.0.0.{n}") for n in (1, 2)]
    desk = log_in(user, agent=DESK_UA, ip="10.9.8.7")
    assert desk.post(reverse("accounts:sessions_end_others")).status_code == 302
    assert [c.get(reverse("accounts:me")).status_code for c in others] == [302, 302]
    assert desk.get(reverse("accounts:me")).status_code == 200
    assert list(SessionRecord.objects.filter(user=user).values_list("session_key", flat=True)) == [
        desk.session.session_key]


def test_a_member_cannot_end_another_members_session() -> None:
    alice, bob = make_user(), make_user()
    alice_client = log_in(alice, agent=PHONE_UA, ip="10.1.1.1")
    bob_client = log_in(bob, agent=DESK_UA, ip="10.2.2.2")
    alice_record = SessionRecord.objects.get(user=alice)
    assert bob_client.post(reverse("accounts:session_end", args=[alice_record.pk])).status_code == 404
    assert bob_client.post(reverse("accounts:session_end", args=[alice_record.pk + 1000])).status_code == 404
    bob_client.post(reverse("accounts:sessions_end_others"))
    assert alice_client.get(reverse("accounts:me")).status_code == 200
    assert SessionRecord.objects.filter(pk=alice_record.pk).exists()
    assert "10.1.1.1" not in bob_client.get(reverse("accounts:security")).content.decode()


def test_log_out_deletes_the_record_and_password_change_keeps_this_session() -> None:
    user = make_user()
    phone = log_in(user, agent=PHONE_UA, ip="10.1.2.3")
    desk = log_in(user, agent=DESK_UA, ip="10.9.8.7")
    response = desk.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "another-horse-battery", "new_password2": "another-horse-battery"})
    assert response.status_code == 302
    assert desk.get(reverse("accounts:me")).status_code == 200  # update_session_auth_hash: still logged in
    assert phone.get(reverse("accounts:me")).status_code == 302  # the other session is logged out
    # The flushed session drops out of the list.
    listed = sessions.session_list(viewer=user, current_key=desk.session.session_key)
    assert [row["current"] for row in listed] == [True]
    key = desk.session.session_key
    desk.post(reverse("accounts:logout"))
    assert not SessionRecord.objects.filter(session_key=key).exists()


@override_settings(SESSION_TOUCH_SECONDS=300)
def test_last_seen_is_written_at_most_every_few_minutes() -> None:
    user = make_user()
    client = log_in(user, agent=DESK_UA, ip="10.9.8.7")
    record = SessionRecord.objects.get(user=user)
    old = timezone.now() - timedelta(hours=1)
    SessionRecord.objects.filter(pk=record.pk).update(last_seen=old)
    client.get(reverse("accounts:me"))
    record.refresh_from_db()
    assert record.last_seen == old  # touched at log-in: not again within the interval
    session = client.session
    session[sessions.TOUCHED_KEY] = {"at": 0, "key": session.session_key}
    session.save()
    client.get(reverse("accounts:me"))
    record.refresh_from_db()
    assert record.last_seen > old


def test_a_session_from_before_the_records_gets_one_on_its_next_request() -> None:
    user = make_user()
    client = Client(HTTP_USER_AGENT=DESK_UA)
    client.force_login(user)
    SessionRecord.objects.all().delete()
    session = client.session
    session.pop(sessions.TOUCHED_KEY, None)
    session.save()
    client.get(reverse("accounts:me"))
    assert SessionRecord.objects.filter(user=user, session_key=client.session.session_key).exists()


def test_the_purge_drops_records_of_sessions_gone_or_too_old() -> None:
    user = make_user()
    alive = log_in(user, agent=DESK_UA, ip="10.9.8.7")
    gone = log_in(user, agent=PHONE_UA, ip="10.1.2.3")
    old = log_in(user, agent=PHONE_UA, ip="10.1.2.4")
    Session.objects.filter(session_key=gone.session.session_key).delete()
    SessionRecord.objects.filter(session_key=old.session.session_key).update(
        last_seen=timezone.now() - timedelta(days=30))
    assert sessions.session_records_purge() == 2
    assert list(SessionRecord.objects.values_list("session_key", flat=True)) == [alive.session.session_key]


def test_the_purge_is_a_scheduled_job() -> None:
    from parkos.jobs.schedule import REGISTRY

    spec = REGISTRY["accounts.sessions_purge"]
    assert spec.target == "parkos.accounts.sessions.session_records_purge" and spec.at is not None
