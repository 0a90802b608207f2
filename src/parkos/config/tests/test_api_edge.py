"""The API's edge: what used to answer 500 (or the wrong 4xx) now answers the JSON envelope, in the
client's language, with the right code, and writes nothing (issue 13, "Server errors")."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client, override_settings
from django.utils import translation

from parkos.accounts.models import User
from parkos.accounts.services import token_create
from parkos.accounts.tests.factories import UserFactory
from parkos.catalog.tests.factories import order_parties
from parkos.enterprises.selectors import staff_of
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin
from parkos.events.models import Event
from parkos.events.tests.factories import event_data

pytestmark = pytest.mark.django_db
HUGE = 100000000000000000000  # 10**20: past any 64-bit column


def assert_envelope(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"].strip()
    assert isinstance(body["details"], dict)
    return body


def zh(english: str) -> str:
    """What a zh-Hans client must read for ``english``: its translation once the catalogs have it
    (new messages are compiled by the lead at the end), until then the source text."""
    with translation.override("zh-hans"):
        return translation.gettext(english)


def assert_chinese(message: str, english: str) -> None:
    assert message == zh(english)
    with translation.override("zh-hans"):
        if translation.gettext(english) != english:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message


def token_for(user: User) -> dict[str, str]:
    _token, raw = token_create(actor=user, name="edge")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post_json(client: Client, url: str, data: Any, **extra: Any) -> Any:
    return client.post(url, json.dumps(data, cls=DjangoJSONEncoder), content_type="application/json", **extra)


# --- pages past any offset -------------------------------------------------------------------------

PAGINATED = ["/api/v1/services", "/api/v1/policies", "/api/v1/scenes", "/api/v1/events", "/api/v1/suggestions",
             "/api/v1/enterprises", "/api/v1/members", "/api/v1/notifications", "/api/v1/orders",
             "/api/v1/appointments", "/api/v1/deals", "/api/v1/community/groups", "/api/v1/moderation/cases",
             "/api/v1/butler/enterprises", "/api/v1/events/1/registrants", "/api/v1/scenes/1/responses",
             "/api/v1/butler/enterprises/1/notes"]


@pytest.mark.parametrize("url", PAGINATED)
def test_a_huge_page_is_a_422_on_every_list(client: Client, url: str) -> None:
    auth = token_for(UserFactory())
    for headers in ({}, auth):
        body = assert_envelope(client.get(url, {"page": str(HUGE)}, **headers), 422, "invalid")
        assert_chinese(body["message"], "Some fields are not valid.")
        assert list(body["details"]) == ["page"]
        assert "1000000000" in body["details"]["page"][0]


@pytest.mark.parametrize("url", ["/api/v1/services", "/api/v1/events", "/api/v1/orders"])
def test_a_page_past_the_last_is_empty_and_a_word_is_a_translated_422(client: Client, url: str) -> None:
    auth = token_for(UserFactory())
    past = client.get(url, {"page": "999999999"}, **auth)
    assert past.status_code == 200, past.content
    assert past.json()["items"] == []
    body = assert_envelope(client.get(url, {"page": "abc"}, **auth), 422, "invalid")
    assert body["details"]["page"] == [zh("Enter a whole number.")]
    assert "整数" in body["details"]["page"][0]  # Django's wording, so its catalogs already translate it
    body = assert_envelope(client.get(url, {"page_size": str(HUGE)}, **auth), 422, "invalid")
    assert list(body["details"]) == ["page_size"]


# --- request bodies that cannot be read ------------------------------------------------------------


def test_multipart_without_boundary_is_a_400_for_avatar_post_images_and_attachments(client: Client) -> None:
    parties = order_parties()
    admin = parties["admin"]
    auth = token_for(admin)
    before = (User.objects.get(pk=admin.pk).avatar.name or "")
    for url in ("/api/v1/me/avatar", "/api/v1/community/posts/with-images", f"/api/v1/orders/{parties['order'].pk}/attachments"):
        # what a real server hands over: the header, no boundary, no body
        response = client.generic("POST", url, b"", CONTENT_TYPE="multipart/form-data", CONTENT_LENGTH="0", **auth)
        body = assert_envelope(response, 400, "bad_request")
        assert_chinese(body["message"],
                       "The upload could not be read: send it as multipart/form-data with its boundary.")
    assert (User.objects.get(pk=admin.pk).avatar.name or "") == before
    assert parties["order"].attachments.count() == 0


def test_multipart_without_boundary_in_a_session_is_a_400_not_a_500() -> None:
    user = UserFactory()
    client = Client()
    client.force_login(user)
    response = client.generic("POST", "/api/v1/me/avatar", b"x", content_type="multipart/form-data")
    assert_envelope(response, 400, "bad_request")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100)
def test_a_body_past_the_upload_limit_is_a_413(client: Client) -> None:
    user = UserFactory()
    response = post_json(client, "/api/v1/events", event_data(title="长" * 200), **token_for(user))
    body = assert_envelope(response, 413, "payload_too_large")
    assert_chinese(body["message"], "The request is too large.")
    assert not Event.objects.exists()


def test_malformed_json_and_invalid_utf8_are_a_translated_bad_request(client: Client) -> None:
    auth = token_for(UserFactory())
    for raw in (b'{"title": ', b'{"title": "\xff\xfe"}'):
        response = client.post("/api/v1/events", raw, content_type="application/json", **auth)
        body = assert_envelope(response, 400, "bad_request")
        assert_chinese(body["message"], "The request body is not valid JSON (UTF-8).")
    assert not Event.objects.exists()


def test_json_sent_as_text_plain_is_a_415(client: Client) -> None:
    auth = token_for(UserFactory())
    payload = json.dumps(event_data(), cls=DjangoJSONEncoder)
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        response = client.post("/api/v1/events", payload, content_type=content_type, **auth)
        body = assert_envelope(response, 415, "unsupported_media_type")
        assert_chinese(body["message"], "Send the request body as JSON (Content-Type: application/json).")
    assert not Event.objects.exists()
    # application/json itself gets past the edge (to the domain, which refuses a plain member)
    assert post_json(client, "/api/v1/events", event_data(), **auth).status_code != 415


# --- integers no column can hold -------------------------------------------------------------------


def test_an_id_too_large_for_the_database_in_the_path_is_a_404(client: Client) -> None:
    enterprise, admin = enterprise_with_admin()
    staff = add_staff(enterprise)
    auth = token_for(admin)
    for url in (f"/api/v1/enterprises/{enterprise.pk}/staff/115308179201016528896",
                f"/api/v1/enterprises/115308179201016528896/staff/{staff.pk}"):
        body = assert_envelope(client.delete(url, **auth), 404, "not_found")
        assert_chinese(body["message"], "Not found.")
        assert body["message"] == "未找到。"
    assert staff_of(enterprise).count() == 2


def test_an_id_too_large_for_the_database_on_a_page_is_a_404() -> None:
    client = Client()
    client.force_login(UserFactory())
    response = client.get(f"/events/{HUGE}/")
    assert response.status_code == 404


def test_an_id_too_large_for_the_database_in_a_body_is_a_422(client: Client) -> None:
    user = UserFactory()
    response = post_json(client, "/api/v1/events", event_data(invitees=[1180591620717411303424], audience="invited"),
                         **token_for(user))
    body = assert_envelope(response, 422, "invalid")
    assert body["details"]["invitees.0"] == [zh("Ensure this value is less than or equal to %(le)s.")
                                             % {"le": 2**63 - 1}]
    response = post_json(client, "/api/v1/events", event_data(capacity=HUGE), **token_for(user))
    assert "capacity" in assert_envelope(response, 422, "invalid")["details"]
    assert not Event.objects.exists()


# --- who gets 401, who gets 403 --------------------------------------------------------------------


def test_an_anonymous_write_is_a_401_not_a_csrf_403() -> None:
    client = Client(enforce_csrf_checks=True)
    response = post_json(client, "/api/v1/events", event_data())
    body = assert_envelope(response, 401, "not_authenticated")
    assert_chinese(body["message"], "Log in, or send a valid personal access token.")
    assert not Event.objects.exists()


def test_a_session_without_its_csrf_token_is_a_403_csrf_failed() -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    body = assert_envelope(post_json(client, "/api/v1/events", event_data()), 403, "csrf_failed")
    assert body["message"] == "CSRF 校验失败：请刷新页面后重试。"
    assert not Event.objects.exists()


def test_a_forbidden_write_says_forbidden_not_csrf(client: Client) -> None:
    enterprise, _admin = enterprise_with_admin()
    staff = add_staff(enterprise)
    colleague = add_staff(enterprise)
    response = client.delete(f"/api/v1/enterprises/{enterprise.pk}/staff/{colleague.pk}", **token_for(staff))
    assert response.status_code in (403, 404)
    assert response.json()["code"] in ("forbidden", "not_found")
    assert staff_of(enterprise).count() == 3


# --- 422 details in the client's language ----------------------------------------------------------


def test_validation_details_are_translated(client: Client) -> None:
    auth = token_for(UserFactory())
    body = assert_envelope(post_json(client, "/api/v1/events", {"title": 5}, **auth), 422, "invalid")
    assert body["details"]["starts_at"] == [zh("This field is required.")]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["details"]["starts_at"][0])
    assert all(not message.isascii() or message == zh(message) for messages in body["details"].values()
               for message in messages)
    english = assert_envelope(post_json(client, "/api/v1/events", {"title": 5}, HTTP_ACCEPT_LANGUAGE="en", **auth),
                              422, "invalid")
    assert english["details"]["starts_at"] == ["This field is required."]
    assert english["details"]["title"] == ["Enter text."]
    assert not Event.objects.exists()


# --- 429 says when to come back --------------------------------------------------------------------


@override_settings(SIGNUP_RATE_PER_IP="1/h")
def test_every_429_carries_retry_after(client: Client) -> None:
    data = {"password": "青山-绿水-2026-park", "display_name": "x", "accept_privacy": True}
    assert post_json(client, "/api/v1/accounts/signup", {**data, "login": "a1@example.cn"}).status_code == 201
    response = post_json(client, "/api/v1/accounts/signup", {**data, "login": "a2@example.cn"})
    body = assert_envelope(response, 429, "rate_limited")
    assert_chinese(body["message"], "Too many attempts. Please wait a few minutes and try again.")
    assert int(response["Retry-After"]) > 0
    assert User.objects.count() == 1


# --- an address longer than the server reads ------------------------------------------------------


def test_a_too_long_url_is_a_414_envelope(client: Client) -> None:
    body = assert_envelope(client.get("/api/v1/services", {"q": "x" * 5000}), 414, "uri_too_long")
    assert_chinese(body["message"], "The address (URL) is too long.")
    page = client.get("/services/", {"q": "x" * 5000})
    assert page.status_code == 414


def test_a_huge_page_on_a_page_view_shows_the_last_page(client: Client) -> None:
    for raw in (str(HUGE), "-5", "abc", "1e400"):
        assert client.get("/scenes/", {"page": raw}).status_code == 200
    client.force_login(UserFactory())
    assert client.get("/accounts/members/", {"page": str(HUGE)}).status_code in (200, 302)


def test_retry_after_on_pages_and_on_any_429() -> None:
    from django.http import HttpResponse
    from django.test import RequestFactory

    from parkos.core.errors import RateLimited
    from parkos.core.middleware import DEFAULT_RETRY_AFTER, DomainErrorMiddleware, RequestEdgeMiddleware

    request = RequestFactory().post("/accounts/login/")
    request.user = UserFactory()
    page = DomainErrorMiddleware(lambda r: HttpResponse()).process_exception(request, RateLimited(retry_after=42))
    assert page is not None and page.status_code == 429 and page["Retry-After"] == "42"
    page = DomainErrorMiddleware(lambda r: HttpResponse()).process_exception(request, RateLimited())
    assert page is not None and page["Retry-After"] == str(DEFAULT_RETRY_AFTER)
    bare = RequestEdgeMiddleware(lambda r: HttpResponse(status=429))(RequestFactory().get("/api/v1/health"))
    assert bare["Retry-After"] == str(DEFAULT_RETRY_AFTER)


def test_unknown_api_addresses_and_methods_answer_in_the_envelope(client: Client) -> None:
    for url in ("/api/v1/nope", "/api/v1/health/", "/api/v2/services"):
        body = assert_envelope(client.get(url), 404, "not_found")
        assert_chinese(body["message"], "Not found.")
    response = client.delete("/api/v1/services")
    body = assert_envelope(response, 405, "method_not_allowed")
    assert_chinese(body["message"], "This method is not allowed here.")
    assert "GET" in response["Allow"]


def test_an_integer_too_large_for_the_database_in_a_query_is_a_422(client: Client) -> None:
    body = assert_envelope(client.get("/api/v1/services", {"provider": str(HUGE)}), 422, "invalid")
    assert body["details"]["provider"] == [zh("Ensure this value is less than or equal to %(le)s.")
                                           % {"le": 2**63 - 1}]
