"""The visitor pages: the host's invitation form and list, a pass with its link and QR code, reception's desk,
and the public pass page (no log-in, nothing but what the gate needs, noindex, rate-limited)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from parkos.access.models import BlockedVisitor, VisitorPass
from parkos.access.services import visitors as services
from parkos.access.tests.visitors_fixtures import MOBILE, cast_fixture, invite, window  # noqa: F401
from parkos.core.parks import COOKIE

pytestmark = pytest.mark.django_db
FORMAT = "%Y-%m-%dT%H:%M"


def _client(user: Any = None, park: str | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    if park is not None:
        client.cookies[COOKIE] = park
    return client


def _invite_data(cast: dict[str, Any], **changes: Any) -> dict[str, Any]:
    start, end = window()
    return {"name": "张伟", "mobile": MOBILE, "valid_from": timezone.localtime(start).strftime(FORMAT),
            "valid_until": timezone.localtime(end).strftime(FORMAT), "gates": [str(cast["gate1"].pk)],
            "purpose": "洽谈合作", **changes}


def _link(html: str) -> str:
    found = re.search(r'value="(http[^"]+/access/v/[^"/]+/)" data-testid="visitor-link"', html)
    assert found, "no link on the page"
    return found.group(1)


def test_the_host_invites_and_gets_the_link_and_qr(cast: dict[str, Any]) -> None:
    host = _client(cast["host"])
    page = host.get("/access/visitors/")
    assert page.status_code == 200 and "东门闸机" in page.content.decode() and "乙园" not in page.content.decode()
    response = host.post("/access/visitors/", _invite_data(cast))
    visitor = VisitorPass.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/access/visitors/{visitor.pk}/"
    detail = host.get(response["Location"]).content.decode()
    link = _link(detail)
    assert "<svg" in detail and "张伟" in detail
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert services.visitor_pass_by_code(services.pass_code(token)) == visitor
    listed = host.get("/access/visitors/").content.decode()
    assert f"/access/visitors/{visitor.pk}/" in listed
    # another browser of the host: the link is not shown (only its hash is kept); a new link kills the old
    elsewhere = _client(cast["host"])
    assert "/access/v/" not in elsewhere.get(f"/access/visitors/{visitor.pk}/").content.decode()
    elsewhere.post(f"/access/visitors/{visitor.pk}/resend/")
    new_link = _link(elsewhere.get(f"/access/visitors/{visitor.pk}/").content.decode())
    assert new_link != link
    assert Client().get(link.split("testserver", 1)[1]).status_code == 404
    assert Client().get(new_link.split("testserver", 1)[1]).status_code == 200


def test_the_form_shows_the_services_errors(cast: dict[str, Any]) -> None:
    host = _client(cast["host"])
    response = host.post("/access/visitors/", _invite_data(cast, mobile="12345"))
    assert response.status_code == 400 and "11" in response.content.decode()
    services.blocklist_add(actor=cast["op_a"], park=cast["a"], mobile=MOBILE, reason="尾随闯闸")
    blocked = host.post("/access/visitors/", _invite_data(cast))
    html = blocked.content.decode()
    assert blocked.status_code == 400 and 'role="alert"' in html and "尾随" not in html
    assert not VisitorPass.objects.exists()


def test_a_pass_page_is_for_its_host_and_the_parks_operators(cast: dict[str, Any]) -> None:
    visitor, _token = invite(cast)
    url = f"/access/visitors/{visitor.pk}/"
    for user in (cast["host"], cast["op_a"]):
        assert _client(user).get(url).status_code == 200
    for user in (cast["colleague"], cast["outsider"], cast["op_b"]):
        assert _client(user).get(url).status_code == 404
        assert _client(user).post(url + "cancel/").status_code == 404
    assert _client().get(url).status_code == 302  # to the log-in
    _client(cast["host"]).post(url + "cancel/")
    visitor.refresh_from_db()
    assert visitor.status == VisitorPass.Status.CANCELLED


def test_the_public_pass_page(cast: dict[str, Any]) -> None:
    _visitor, token = invite(cast, gates=[cast["gate1"], cast["gate2"]],
                            valid_from=timezone.now() - dt.timedelta(minutes=1),
                            valid_until=timezone.now() + dt.timedelta(hours=3))
    response = Client().get(f"/access/v/{token}/")
    html = response.content.decode()
    assert response.status_code == 200 and response["X-Robots-Tag"] == "noindex, nofollow"
    assert 'name="robots" content="noindex' in html and "no-store" in response["Cache-Control"]
    assert "张伟" in html and "思灵机器人" in html and "东门闸机" in html and "西门闸机" in html and "<svg" in html
    # nothing else: not the number, the purpose, the host's name, or the site's navigation
    for secret in (MOBILE, "5678", "洽谈合作", "刘博", "/accounts/"):
        assert secret not in html, secret
    # a pass not yet valid shows its QR code and says from when
    _later, later_token = invite(cast, name="李雷", mobile="13900001111")
    assert "pass-upcoming" in Client().get(f"/access/v/{later_token}/").content.decode()


@pytest.mark.parametrize("state", ["cancelled", "expired", "purged", "unknown"])
def test_a_closed_pass_says_so_and_shows_nothing_else(cast: dict[str, Any], state: str) -> None:
    visitor, token = invite(cast)
    now = timezone.now()
    if state == "cancelled":
        services.visitor_cancel(actor=cast["host"], visitor=visitor)
    elif state in ("expired", "purged"):
        VisitorPass.objects.filter(pk=visitor.pk).update(valid_from=now - dt.timedelta(days=40),
                                                         valid_until=now - dt.timedelta(days=39))
        if state == "purged":
            services.visitors_purge(now=now)
    elif state == "unknown":
        token = "x" + token[1:]
    response = Client().get(f"/access/v/{token}/")
    html = response.content.decode()
    assert response.status_code == (404 if state == "unknown" else 200)
    assert f'data-state="{state}"' in html and "pass-closed" in html
    assert "<svg" not in html and "张伟" not in html and "思灵机器人" not in html


@override_settings(RATELIMIT_ENABLE=True)
def test_the_public_page_is_rate_limited_against_guessing(cast: dict[str, Any]) -> None:
    _visitor, token = invite(cast)
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    codes = [guesser.get(f"/access/v/guess{i:04d}/").status_code for i in range(30)]
    assert set(codes) == {404}
    refused = guesser.get(f"/access/v/{token}/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert Client(REMOTE_ADDR="203.0.113.10").get(f"/access/v/{token}/").status_code == 200


def test_reception_desk(cast: dict[str, Any]) -> None:
    invite(cast, valid_from=timezone.now() + dt.timedelta(minutes=1), valid_until=timezone.now() + dt.timedelta(hours=2))
    op = _client(cast["op_a"])
    page = op.get("/access/reception/")
    html = page.content.decode()
    assert page.status_code == 200 and "张伟" in html and "138****5678" in html and MOBILE not in html
    assert _client(cast["host"]).get("/access/reception/").status_code == 403
    assert _client(cast["op_b"], park=cast["a"].code).get("/access/reception/").status_code == 404
    walk_in = op.post("/access/reception/walk-in/", {
        "walkin-name": "面试者王", "walkin-mobile": "13500001111", "walkin-enterprise": str(cast["enterprise"].pk),
        "walkin-hours": "2", "walkin-gates": [str(cast["gate2"].pk)]})
    assert walk_in.status_code == 302, walk_in.content.decode()[-2000:]
    assert VisitorPass.objects.get(name="面试者王").walk_in
    assert "/access/v/" in op.get(walk_in["Location"]).content.decode()
    added = op.post("/access/reception/blocklist/", {"block-mobile": "13600001111", "block-reason": "冒用证件"})
    assert added.status_code == 302
    entry = BlockedVisitor.objects.get()
    assert "冒用证件" in op.get("/access/reception/").content.decode()
    assert _client(cast["host"]).post("/access/reception/blocklist/",
                                      {"block-mobile": "13600002222", "block-reason": "x"}).status_code == 403
    assert _client(cast["op_b"]).post(f"/access/reception/blocklist/{entry.pk}/remove/").status_code == 404
    assert op.post(f"/access/reception/blocklist/{entry.pk}/remove/").status_code == 302
    assert not BlockedVisitor.objects.exists()


def test_a_visitor_switches_the_public_pass_to_english(cast: dict[str, Any]) -> None:
    """A visitor has no account and no menu: the pass itself offers the other languages."""
    _visitor, token = invite(cast)
    visitor = Client()
    html = visitor.get(f"/access/v/{token}/").content.decode()
    assert 'data-testid="pass-language"' in html and 'value="en"' in html
    switched = visitor.post("/i18n/setlang/", {"language": "en", "next": f"/access/v/{token}/"})
    assert switched.status_code == 302 and switched["Location"] == f"/access/v/{token}/"
    assert "Visitor pass" in visitor.get(f"/access/v/{token}/").content.decode()
