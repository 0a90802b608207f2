"""Flags of unusual redemptions: listed for the park's operators only (newest first, a constant number of
queries), resolved once with a note (bad notes refused, nothing changed), by page and API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid, NotFound
from parkos.core.models import Park
from parkos.core.parks import park_default, parks_changed
from parkos.rewards.models import Flag
from parkos.rewards.selectors.figures import flag_get, flag_list
from parkos.rewards.services.flags import flag_resolve
from parkos.rewards.tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def flags() -> dict[str, Any]:
    park = park_default()
    other = Park.objects.create(code="flag-b", name="另一园区")
    parks_changed()
    merchant = MerchantFactory(name="园区咖啡", category="cafe")
    there = MerchantFactory(park=other, name="港湾咖啡", category="cafe")
    now = timezone.now()
    made = [Flag.objects.create(park=park, merchant=merchant, kind="burst", count=120 + n,
                                window_start=now - dt.timedelta(minutes=10 * n)) for n in range(3)]
    theirs = Flag.objects.create(park=other, merchant=there, kind="burst", count=150, window_start=now)
    return {"park": park, "other": other, "flags": made, "theirs": theirs,
            "op": UserFactory(roles=[(Role.OPERATOR, park)]), "colleague": UserFactory(roles=[(Role.OPERATOR, park)]),
            "outsider": UserFactory(roles=[(Role.OPERATOR, other)]), "member": UserFactory()}


def test_operators_see_their_parks_flags_only(flags: dict[str, Any]) -> None:
    assert list(flag_list(viewer=flags["op"])) == sorted(flags["flags"], key=lambda f: (-f.created_at.timestamp(), -f.pk))
    assert list(flag_list(viewer=flags["outsider"])) == [flags["theirs"]]
    with pytest.raises(Forbidden):
        flag_list(viewer=flags["outsider"], park=flags["park"])
    with pytest.raises(Forbidden):
        flag_list(viewer=flags["member"])
    with pytest.raises(NotFound):
        flag_get(viewer=flags["outsider"], flag_id=flags["flags"][0].pk)


def test_resolve_once_with_a_note(flags: dict[str, Any]) -> None:
    flag = flags["flags"][0]
    for note, code in (("", ErrorCode.REQUIRED), ("x" * 201, ErrorCode.TOO_LONG), ("<b>好</b>", ErrorCode.INVALID)):
        with pytest.raises(Invalid) as error:
            flag_resolve(actor=flags["op"], flag=flag, note=note)
        assert error.value.code == code
    with pytest.raises(Forbidden):
        flag_resolve(actor=flags["outsider"], flag=flag, note="看过了")
    flag.refresh_from_db()
    assert flag.resolved_at is None and flag.note == ""

    done = flag_resolve(actor=flags["colleague"], flag=flag, note="  中午食堂高峰，正常  ")
    assert done.resolved_by == flags["colleague"] and done.note == "中午食堂高峰，正常"
    with pytest.raises(Conflict) as again:
        flag_resolve(actor=flags["op"], flag=flag, note="再看一次")
    assert again.value.code == ErrorCode.ALREADY_DONE
    assert flag not in flag_list(viewer=flags["op"]) and flag in flag_list(viewer=flags["op"], resolved=True)


def test_the_page_and_the_api(flags: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    client = Client()
    client.force_login(flags["op"])
    page = client.get("/rewards/flags/").content.decode()
    assert page.count("data-flag=") == 3 and "港湾咖啡" not in page
    flag = flags["flags"][1]
    response = client.post(f"/rewards/flags/{flag.pk}/resolve/", {"note": "已核实"})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.note == "已核实"

    api = client.get("/api/v1/rewards/figures/flags")
    assert api.status_code == 200 and api.json()["count"] == 2
    for n in range(20):
        Flag.objects.create(park=flags["park"], merchant=flag.merchant, kind="burst", count=101,
                            window_start=timezone.now() + dt.timedelta(minutes=n + 1))
    with django_assert_max_num_queries(8):
        many = client.get("/api/v1/rewards/figures/flags")
    assert many.json()["count"] == 22 and many.json()["items"][0]["merchant_name"] == "园区咖啡"

    target = flags["flags"][2]
    bad = client.post(f"/api/v1/rewards/figures/flags/{target.pk}/resolve", {"note": ""}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == ErrorCode.REQUIRED
    ok = client.post(f"/api/v1/rewards/figures/flags/{target.pk}/resolve", {"note": "误报"},
                     content_type="application/json")
    assert ok.status_code == 200 and ok.json()["note"] == "误报"
    outsider = Client()
    outsider.force_login(flags["outsider"])
    assert outsider.post(f"/api/v1/rewards/figures/flags/{flags['flags'][0].pk}/resolve", {"note": "看看"},
                         content_type="application/json").status_code == 404
