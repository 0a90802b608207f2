"""A confidential amount never appears — in a page, an export or an API response — to anyone but the
enterprise's admins and the park's operators: every surface is rendered for every viewer and searched for
the amount's digits (as typed, grouped, in fen and in yuan). Also the API and pages of financing records
(permissions, idempotency, bad input, no rate) and the list endpoints' query counts."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core.models import Park
from parkos.core.parks import park_default, parks_changed
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin
from parkos.network.models import ExchangeRate, FinancingRecord, Fund
from parkos.network.services.financing import financing_record

pytestmark = pytest.mark.django_db

DAY = dt.date(2024, 6, 3)
# A confidential US$4,321,987.65 at 7.135791 → ¥30,840,800.57 → 3,084,080,057 fen (distinctive digits).
SECRET = Decimal("4321987.65")
SECRET_RATE = Decimal("7.135791")


@pytest.fixture(name="cast")
def cast_fixture(db: None) -> dict[str, Any]:
    a = park_default()
    b = Park.objects.create(code="fs2", name="乙园", name_en="Park B", position=5)
    parks_changed()
    cache.clear()
    enterprise, admin = enterprise_with_admin(park=a)
    other, other_admin = enterprise_with_admin(park=a)
    ExchangeRate.objects.create(currency="USD", valid_on=dt.date(2024, 1, 1), rate_to_cny=SECRET_RATE)
    fund = Fund.objects.create(name_zh="启明测试创投")
    secret = financing_record(actor=admin, enterprise=enterprise, round="b", amount=str(SECRET), currency="USD",
                              announced_on=DAY, disclosure="confidential", note="估值保密条款",
                              investors=[{"fund": fund.pk, "is_lead": True}])
    public = financing_record(actor=admin, enterprise=enterprise, round="a", amount="12000000",
                              announced_on=dt.date(2023, 2, 1), investors=[{"fund": fund.pk}])
    return {"a": a, "b": b, "enterprise": enterprise, "admin": admin, "staff": add_staff(enterprise),
            "other": other, "other_admin": other_admin, "op_a": UserFactory(roles=[(Role.OPERATOR, a)]),
            "op_b": UserFactory(roles=[(Role.OPERATOR, b)]), "portfolio": UserFactory(roles=[Role.OPERATOR]),
            "investor": UserFactory(roles=[Role.INVESTOR]), "member": UserFactory(), "fund": fund,
            "secret": secret, "public": public}


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)
    return client


def _digits(record: FinancingRecord) -> list[str]:
    """Every way the confidential amount could be written."""
    yuan = Decimal(record.amount_cny_fen) / 100
    return [str(SECRET), f"{SECRET:,}", str(record.amount_minor), str(record.amount_cny_fen), f"{yuan:,.2f}",
            f"{yuan:.2f}", "4321987", "4,321,987", "3084080", "30840800", "30,840,800",
            "估值保密条款"]


def _surfaces(client: Client, cast: dict[str, Any]) -> dict[str, str]:
    enterprise, fund, park = cast["enterprise"], cast["fund"], cast["a"].code
    pages = {
        "financing page": f"/network/capital/enterprises/{enterprise.pk}/financing/",
        "fund page": f"/network/capital/funds/{fund.pk}/",
        "figures page": f"/network/capital/figures/?park={park}",
        "figures page 2024": f"/network/capital/figures/?park={park}&year=2024",
        "api financing": f"/api/v1/network/enterprises/{enterprise.pk}/financing",
        "api fund": f"/api/v1/network/funds/{fund.pk}",
        "api figures": f"/api/v1/network/financing/figures?park={park}",
        "api figures 2024": f"/api/v1/network/financing/figures?park={park}&year=2024",
        "csv export": f"/network/capital/figures/?park={park}&export=csv",
        "api csv export": f"/api/v1/network/financing/export?park={park}&fmt=csv",
    }
    out = {}
    for name, url in pages.items():
        response = client.get(url)
        text = response.content.decode("utf-8", "replace")
        if response.get("Content-Type", "").startswith("application/json"):
            text = json.dumps(response.json(), ensure_ascii=False)  # Chinese as written, not \uXXXX
        out[name] = f"{response.status_code} {text}"
    response = client.get(f"/network/capital/figures/?park={park}&export=xlsx")
    if response.status_code == 200:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None
        out["xlsx export"] = json.dumps([[str(c) for c in row] for row in sheet.iter_rows(values_only=True)],
                                        ensure_ascii=False)
    return out


@pytest.mark.parametrize("who", ["staff", "other_admin", "op_b", "investor", "member"])
def test_a_confidential_amount_appears_nowhere_for_others(cast: dict[str, Any], who: str) -> None:
    surfaces = _surfaces(_client(cast[who]), cast)
    assert surfaces["financing page"].startswith("200")
    assert "未披露" in surfaces["financing page"] or "Undisclosed" in surfaces["financing page"]
    assert surfaces["api financing"].startswith("200") and surfaces["fund page"].startswith("200")
    assert surfaces["figures page"].startswith("200") and surfaces["api figures"].startswith("200")
    # Exports are the operators': others are refused (and would get the masked table anyway).
    assert surfaces["csv export"][:3] in ("403", "404") and surfaces["api csv export"].startswith("403")
    for name, text in surfaces.items():
        for digits in _digits(cast["secret"]):
            assert digits not in text, f"{digits} in the {name} for {who}"
    # The disclosed round is shown to them.
    assert "¥12,000,000" in surfaces["financing page"], surfaces["financing page"][-6000:]
    rows = json.loads(surfaces["api financing"][4:])
    hidden = next(r for r in rows if r["id"] == cast["secret"].pk)
    assert hidden["amount"] is None and hidden["amount_cny_fen"] is None and hidden["note"] == ""
    assert hidden["amount_text"] in ("未披露", "Undisclosed") and hidden["may_edit"] is False


@pytest.mark.parametrize("who", ["admin", "op_a", "portfolio"])
def test_the_enterprise_admins_and_the_park_operators_see_it(cast: dict[str, Any], who: str) -> None:
    client = _client(cast[who])
    page = client.get(f"/network/capital/enterprises/{cast['enterprise'].pk}/financing/").content.decode()
    assert "US$4,321,987.65" in page and "估值保密条款" in page
    rows = client.get(f"/api/v1/network/enterprises/{cast['enterprise'].pk}/financing").json()
    shown = next(r for r in rows if r["id"] == cast["secret"].pk)
    assert Decimal(shown["amount"]) == SECRET and shown["amount_cny_fen"] == cast["secret"].amount_cny_fen
    # The figures stay masked even for them (one confidential record: no headline).
    figures = client.get("/api/v1/network/financing/figures").json()
    assert figures["total"]["fen"] is None and str(cast["secret"].amount_cny_fen) not in json.dumps(figures)
    export = client.get("/network/capital/figures/?export=csv")
    if who == "admin":
        assert export.status_code == 403
    else:
        text = export.content.decode("utf-8-sig")
        assert export.status_code == 200 and str(SECRET) in text and "估值保密条款" in text
        assert export["Content-Type"].startswith("text/csv")


def test_recording_through_the_api_is_idempotent_and_refusals_change_nothing(cast: dict[str, Any]) -> None:
    url = f"/api/v1/network/enterprises/{cast['other'].pk}/financing"
    body = {"round": "seed", "amount": "5000000.00", "currency": "CNY", "announced_on": "2024-03-01",
            "investors": [{"name": "某天使", "is_lead": True}], "disclosure": "disclosed"}
    admin = _client(cast["other_admin"])
    first = admin.post(url, json.dumps(body), content_type="application/json")
    assert first.status_code == 201, first.content
    again = admin.post(url, json.dumps(body), content_type="application/json")
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    conflict = admin.post(url, json.dumps({**body, "amount": "6000000"}), content_type="application/json")
    assert conflict.status_code == 409 and conflict.json()["code"] == "duplicate"
    no_rate = admin.post(url, json.dumps({**body, "round": "a", "currency": "EUR"}), content_type="application/json")
    assert no_rate.status_code == 409 and no_rate.json()["code"] == "no_rate" and "EUR" in no_rate.json()["message"]
    bad = admin.post(url, json.dumps({**body, "round": "a", "amount": "1.234"}), content_type="application/json")
    assert bad.status_code == 400 and "amount" in bad.json()["details"]
    for who in ("admin", "staff", "op_b", "member"):
        refused = _client(cast[who]).post(url, json.dumps({**body, "round": "b"}), content_type="application/json")
        assert refused.status_code == 403, who
    assert _client(None).post(url, json.dumps(body), content_type="application/json").status_code == 401
    assert FinancingRecord.objects.filter(enterprise=cast["other"]).count() == 1
    record_id = first.json()["id"]
    patch = _client(cast["staff"]).patch(f"/api/v1/network/financing/{record_id}", json.dumps({"amount": "1"}),
                                         content_type="application/json")
    assert patch.status_code == 403
    patched = _client(cast["op_a"]).patch(f"/api/v1/network/financing/{record_id}",
                                          json.dumps({"amount": "5500000", "disclosure": "confidential"}),
                                          content_type="application/json")
    assert patched.status_code == 200 and patched.json()["amount"] == "5500000.00"
    assert _client(cast["admin"]).delete(f"/api/v1/network/financing/{record_id}").status_code == 403
    assert _client(cast["other_admin"]).delete(f"/api/v1/network/financing/{record_id}").status_code == 204
    assert not FinancingRecord.objects.filter(pk=record_id).exists()


def test_the_record_form_records_a_round_and_shows_errors_in_place(cast: dict[str, Any]) -> None:
    client = _client(cast["other_admin"])
    url = f"/network/capital/enterprises/{cast['other'].pk}/financing/new/"
    assert client.get(url).status_code == 200
    form = {"round": "pre_a", "amount": "8,000,000", "currency": "USD", "announced_on": "2024-05-01",
            "disclosure": "disclosed", "funds": [str(cast["fund"].pk)], "lead_fund": str(cast["fund"].pk),
            "other_investors": "*某产业资本\n某天使", "note": "A+ 前"}
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    record = FinancingRecord.objects.get(enterprise=cast["other"])
    assert record.amount_minor == 800_000_000 and record.currency == "USD"
    assert [(str(i), i.is_lead) for i in record.investors.all()] == [("启明测试创投", True), ("某产业资本", True),
                                                                    ("某天使", False)]
    bad = client.post(url, {**form, "round": "a", "amount": "-3", "announced_on": "2999-01-01"})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert page.count('role="alert"') >= 2 and FinancingRecord.objects.filter(enterprise=cast["other"]).count() == 1
    assert _client(cast["staff"]).get(f"/network/capital/enterprises/{cast['enterprise'].pk}/financing/new/"
                                      ).status_code == 403
    edit = client.post(f"/network/capital/financing/{record.pk}/edit/", {**form, "amount": "9000000"})
    assert edit.status_code == 302
    record.refresh_from_db()
    assert record.amount_minor == 900_000_000
    assert _client(cast["staff"]).get(f"/network/capital/financing/{record.pk}/edit/").status_code == 403


def test_list_endpoints_take_a_fixed_number_of_queries(cast: dict[str, Any]) -> None:
    client = _client(cast["member"])
    url = f"/api/v1/network/enterprises/{cast['enterprise'].pk}/financing"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(8):
        financing_record(actor=cast["admin"], enterprise=cast["enterprise"], round="c", amount=str(1000 + n),
                         announced_on=dt.date(2022, 1, 1 + n), disclosure="confidential" if n % 2 else "disclosed",
                         investors=[{"fund": cast["fund"].pk}, {"name": f"外部{n}"}])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.json()) == 10 and len(many) == len(few)
    for path in (f"/api/v1/network/funds/{cast['fund'].pk}", "/api/v1/network/funds", "/api/v1/network/investors",
                 f"/network/capital/enterprises/{cast['enterprise'].pk}/financing/", "/network/capital/funds/",
                 "/api/v1/network/financing/figures"):
        client.get(path)  # warm the caches (the park list, the session)
        with CaptureQueriesContext(connection) as before:
            client.get(path)
        for n in range(3):
            Fund.objects.create(name_zh=f"加测基金{path[-5:]}{n}")
        with CaptureQueriesContext(connection) as after:
            client.get(path)
        assert len(after) == len(before), path
