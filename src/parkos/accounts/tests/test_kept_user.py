"""The signed-in member kept between requests (accounts/backends.py): no query for them on each request, no
password hash in the cache, and every change to them (profile, password, deactivation, deletion) seen on
their very next request, in every session."""

from __future__ import annotations

import pickle

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parkos.accounts import backends
from parkos.accounts.models import User
from parkos.accounts.tests.factories import PASSWORD, make_user
from parkos.core.generations import generation, namespace, person_token_name

pytestmark = pytest.mark.django_db
USER_TABLE = User._meta.db_table


def log_in(user: User) -> Client:
    client = Client()
    response = client.post(reverse("accounts:login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and client.session.get("_auth_user_id") == str(user.pk)
    return client


def me(client: Client) -> dict[str, object] | None:
    """The API's view of the signed-in member, or None when the request is anonymous."""
    response = client.get("/api/v1/me")
    return response.json() if response.status_code == 200 else None


def user_queries(client: Client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [q["sql"] for q in queries.captured_queries if f'FROM "{USER_TABLE}"' in q["sql"]]


def test_a_signed_in_request_reads_the_member_from_the_cache_not_the_database() -> None:
    client = log_in(make_user(display_name="林晓"))
    me(client)  # kept from here on
    assert user_queries(client, "/api/v1/me") == []
    assert user_queries(client, reverse("core:privacy")) == []
    assert me(client)["display_name"] == "林晓"  # type: ignore[index]


def test_the_kept_member_carries_no_password_hash() -> None:
    user = make_user()
    client = log_in(user)
    me(client)
    stored = User.objects.get(pk=user.pk).password
    key = (f"{namespace()}value:user:{user.pk}:{backends._tag(settings.SECRET_KEY)}:"
           f"{generation(person_token_name(user.pk))}")  # as generations.token_cached names it
    kept = caches["shared"].get(key)
    assert kept is not None, "the member was not kept"
    assert stored.encode() not in pickle.dumps(kept) and stored not in repr(kept)
    # The request's member has the password deferred, and loads it when asked.
    kept_user = backends.user_kept(user.pk)
    assert kept_user is not None and "password" in kept_user.get_deferred_fields()
    assert kept_user.check_password(PASSWORD)


def test_a_profile_change_shows_on_the_next_request_and_keeps_the_password() -> None:
    user = make_user(display_name="林晓")
    client = log_in(user)
    assert me(client)["display_name"] == "林晓"  # type: ignore[index]
    response = client.post(reverse("accounts:profile"), {
        "save_profile": "1", "display_name": "林晓光", "bio": "做芯片", "education": "", "skills": "",
        "interests": "", "languages": "", "is_public": "on", "language": "zh-hans"})
    assert response.status_code == 302
    assert me(client)["display_name"] == "林晓光"  # type: ignore[index]
    # The save from the kept member wrote the loaded fields only: the password is the same.
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
    assert log_in(user).get("/api/v1/me").status_code == 200


def test_a_password_change_in_one_browser_signs_the_others_out_and_keeps_this_one() -> None:
    user = make_user()
    phone, desk = log_in(user), log_in(user)
    assert me(phone) and me(desk)
    response = desk.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "another-horse-battery-9", "new_password2": "another-horse-battery-9"})
    assert response.status_code == 302
    assert me(desk) is not None  # this browser's session was given the new password's hash
    assert me(phone) is None  # the other browser's session belongs to the old password


def test_a_deactivated_or_deleted_member_is_signed_out_at_once() -> None:
    gone, closed = make_user(), make_user()
    gone_client, closed_client = log_in(gone), log_in(closed)
    assert me(gone_client) and me(closed_client)
    row = User.objects.get(pk=closed.pk)  # another instance than the session's: as an operator's admin page
    row.is_active = False
    row.save()
    assert me(closed_client) is None
    User.objects.get(pk=gone.pk).delete()
    assert me(gone_client) is None


def test_a_log_in_does_not_renew_the_member_but_last_login_is_the_databases() -> None:
    user = make_user()
    client = log_in(user)
    me(client)
    log_in(user)  # writes last_login only
    assert user_queries(client, "/api/v1/me") == []
    kept_user = backends.user_kept(user.pk)
    assert kept_user is not None and kept_user.last_login == User.objects.get(pk=user.pk).last_login


def test_a_session_made_with_djangos_model_backend_stays_signed_in_and_is_renamed() -> None:
    user = make_user()
    client = log_in(user)
    session = client.session
    session[BACKEND_SESSION_KEY] = backends.LEGACY_BACKEND
    session.save()
    assert me(client) is not None
    assert client.session[BACKEND_SESSION_KEY] == backends.BACKEND
