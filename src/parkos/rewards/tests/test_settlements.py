"""Settlements and statements: a closed period's totals equal its rows and its ledger operation, closing is
idempotent, overlapping, unfinished and empty periods are refused (changing nothing), what the park owes
comes from the ledger, statements mask members and download as CSV and XLSX; every boundary (operators
of A and B, the merchant's owner and cashier, another merchant's cashier, a member)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid
from parkos.core.ledger import LedgerEntry, LedgerOperation, balance
from parkos.rewards.models import Redemption, Settlement
from parkos.rewards.selectors import merchants as selectors
from parkos.rewards.services import postings, settlements
from parkos.rewards.tests.test_merchants_fixtures import beijing, cast_fixture, redeem  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)
NOW = beijing(TODAY, 9)
FEB1, FEB28 = dt.date(2026, 2, 1), dt.date(2026, 2, 28)


def _client(user: Any = None, language: str = "") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language) if language else Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def february(cast: dict[str, Any]) -> list[Redemption]:
    """Four redemptions at the café in February (one reversed), one at midnight's edge each side, and one
    at the convenience store."""
    shop, member, template = cast["shop"], cast["member"], cast["template"]
    rows = [
        redeem(shop, member, template, bill_fen=3500, at=beijing(FEB1, 0, 0)),  # ¥20 off, the first minute
        redeem(shop, member, template, bill_fen=1500, at=beijing(dt.date(2026, 2, 14), 12)),  # ¥15 off
        redeem(shop, member, template, bill_fen=5000, at=beijing(FEB28, 23, 59)),  # ¥20, the last minute
        redeem(shop, member, template, bill_fen=4000, at=beijing(dt.date(2026, 2, 20), 8)),
        redeem(shop, member, template, bill_fen=9900, at=beijing(dt.date(2026, 3, 1), 0, 0)),  # March: outside
        redeem(cast["other"], member, template, bill_fen=2000, at=beijing(dt.date(2026, 2, 5), 18)),
    ]
    Redemption.objects.filter(pk=rows[3].pk).update(status=Redemption.Status.REVERSED)
    return rows


def test_closing_a_period_settles_its_redemptions_and_the_totals_equal_the_ledger(
        cast: dict[str, Any], february: list[Redemption]) -> None:
    shop = cast["shop"]
    before = selectors.payable_fen(shop)
    settlement = settlements.settlement_close(actor=cast["op_a"], merchant=shop, period_start=FEB1, period_end=FEB28,
                                              now=NOW)
    assert (settlement.redemptions, settlement.total_fen) == (3, 2000 + 1500 + 2000)
    assert set(Redemption.objects.filter(settlement=settlement).values_list("pk", flat=True)) == \
        {february[0].pk, february[1].pk, february[2].pk}
    assert Redemption.objects.get(pk=february[3].pk).settlement is None  # reversed: not the park's debt
    assert Redemption.objects.get(pk=february[4].pk).settlement is None  # March
    assert Redemption.objects.get(pk=february[5].pk).settlement is None  # another merchant
    operation = LedgerOperation.objects.get(scope="rewards", key=f"settle:{settlement.pk}")
    entries = {e.account: e.amount for e in LedgerEntry.objects.filter(operation=operation)}
    assert entries == {postings.PAYABLE: -settlement.total_fen, postings.SETTLED: settlement.total_fen}
    assert selectors.payable_fen(shop) == before - settlement.total_fen
    assert selectors.settled_fen(shop) == settlement.total_fen
    statement = settlements.statement_totals(viewer=cast["owner"], merchant=shop, settlement=settlement)
    assert statement.discount_fen == statement.settled_fen == settlement.total_fen and statement.redemptions == 3
    owed = selectors.owed(viewer=cast["owner"], merchant=shop)
    assert owed == {"payable_fen": selectors.payable_fen(shop), "unpaid_fen": 5500,
                    "total_fen": selectors.payable_fen(shop) + 5500}


def test_closing_is_idempotent_and_refuses_overlap_unfinished_and_empty_periods(
        cast: dict[str, Any], february: list[Redemption]) -> None:
    shop, op = cast["shop"], cast["op_a"]
    first = settlements.settlement_close(actor=op, merchant=shop, period_start=FEB1, period_end=FEB28, now=NOW)
    again = settlements.settlement_close(actor=op, merchant=shop, period_start=FEB1, period_end=FEB28, now=NOW)
    assert again.pk == first.pk and Settlement.objects.count() == 1
    assert LedgerOperation.objects.filter(kind="rewards.settle").count() == 1
    with pytest.raises(Conflict) as overlap:
        settlements.settlement_close(actor=op, merchant=shop, period_start=dt.date(2026, 2, 20),
                                     period_end=dt.date(2026, 3, 5), now=NOW)
    assert overlap.value.code == ErrorCode.OVERLAP and "2026-02-01" in str(overlap.value.message)
    with pytest.raises(Invalid) as unfinished:
        settlements.settlement_close(actor=op, merchant=shop, period_start=dt.date(2026, 3, 1), period_end=TODAY,
                                     now=NOW)
    assert unfinished.value.code == ErrorCode.IN_THE_FUTURE and "period_end" in unfinished.value.details
    with pytest.raises(Invalid) as backwards:
        settlements.settlement_close(actor=op, merchant=shop, period_start=dt.date(2026, 1, 31),
                                     period_end=dt.date(2026, 1, 1), now=NOW)
    assert backwards.value.code == ErrorCode.ENDS_BEFORE_START
    with pytest.raises(Invalid) as empty:
        settlements.settlement_close(actor=op, merchant=shop, period_start=dt.date(2026, 1, 1),
                                     period_end=dt.date(2026, 1, 31), now=NOW)
    assert empty.value.code == ErrorCode.EMPTY
    assert Settlement.objects.count() == 1  # every refusal changed nothing
    march = settlements.settlement_close(actor=op, merchant=shop, period_start=dt.date(2026, 3, 1),
                                         period_end=dt.date(2026, 3, 9), now=NOW)
    assert march.redemptions == 1 and march.total_fen == 2000


@pytest.mark.django_db(transaction=True)
def test_closing_the_same_period_at_once_from_two_threads_settles_once(
        cast: dict[str, Any], february: list[Redemption]) -> None:
    """Two operators press "close" at the same moment: one settlement, one ledger operation."""
    shop, op = cast["shop"], cast["op_a"]
    results: list[Any] = []
    barrier = threading.Barrier(2)

    def close() -> None:
        try:
            barrier.wait()
            results.append(settlements.settlement_close(actor=op, merchant=shop, period_start=FEB1,
                                                        period_end=FEB28, now=NOW).pk)
        except Exception as error:  # reported by the assertion below
            results.append(error)
        finally:
            connection.close()  # each thread has its own connection: leave none open

    threads = [threading.Thread(target=close) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and isinstance(results[0], int), results
    assert Settlement.objects.count() == 1 and LedgerOperation.objects.filter(kind="rewards.settle").count() == 1


def test_mark_paid_is_idempotent_and_for_operators_only(cast: dict[str, Any], february: list[Redemption]) -> None:
    settlement = settlements.settlement_close(actor=cast["op_a"], merchant=cast["shop"], period_start=FEB1,
                                              period_end=FEB28, now=NOW)
    with pytest.raises(Forbidden):
        settlements.settlement_mark_paid(actor=cast["owner"], settlement=settlement)
    with pytest.raises(Forbidden):
        settlements.settlement_close(actor=cast["owner"], merchant=cast["shop"], period_start=FEB1, period_end=FEB28)
    with pytest.raises(Forbidden):
        settlements.settlement_mark_paid(actor=cast["op_b"], settlement=settlement)
    paid = settlements.settlement_mark_paid(actor=cast["op_a"], settlement=settlement)
    when = paid.paid_at
    assert paid.status == Settlement.Status.PAID and when is not None
    assert settlements.settlement_mark_paid(actor=cast["op_a"], settlement=settlement).paid_at == when
    assert selectors.unpaid_fen(cast["shop"]) == 0
    assert balance((postings.MERCHANT, cast["shop"].pk), postings.SETTLED) == settlement.total_fen


def test_the_statement_rows_mask_members_and_total_the_period(cast: dict[str, Any], february: list[Redemption]) -> None:
    rows = settlements.statement_rows(viewer=cast["cashier"], merchant=cast["shop"], start=FEB1, end=FEB28)
    assert [r.id for r in rows] == [february[0].pk, february[1].pk, february[3].pk, february[2].pk]  # oldest first
    assert {r.member for r in rows} == {"王**"} and rows[0].coupons == "加班券"
    assert rows[2].status == "reversed"
    totals = settlements.statement_totals(viewer=cast["owner"], merchant=cast["shop"], start=FEB1, end=FEB28)
    assert (totals.redemptions, totals.reversed, totals.bill_fen, totals.discount_fen, totals.unsettled_fen) == \
        (3, 1, 3500 + 1500 + 5000, 5500, 5500)
    with pytest.raises(Forbidden):
        settlements.statement_rows(viewer=cast["other_cashier"], merchant=cast["shop"], start=FEB1, end=FEB28)
    with pytest.raises(Forbidden):
        settlements.statement_rows(viewer=cast["member"], merchant=cast["shop"], start=FEB1, end=FEB28)
    with pytest.raises(Invalid):
        settlements.statement_rows(viewer=cast["owner"], merchant=cast["shop"], start=FEB1, end=dt.date(2027, 6, 1))
    assert settlements.mask_name("") == "**" and settlements.mask_name("Ann") == "A**"


def test_the_statement_api_and_its_downloads(cast: dict[str, Any], february: list[Redemption]) -> None:
    shop = cast["shop"]
    owner = _client(cast["owner"])
    summary = owner.get(f"/api/v1/rewards/merchants/{shop.pk}/statement?start=2026-02-01&end=2026-02-28")
    assert summary.status_code == 200, summary.content
    assert summary.json()["totals"]["discount_fen"] == 5500 and summary.json()["owed"]["payable_fen"] == \
        selectors.payable_fen(shop)
    rows = owner.get(f"/api/v1/rewards/merchants/{shop.pk}/statement/rows?start=2026-02-01&end=2026-02-28").json()
    assert rows["count"] == 4 and rows["items"][0]["member"] == "王**" and rows["items"][0]["coupons"] == "加班券"
    exported = _client(cast["cashier"], "en").get(
        f"/api/v1/rewards/merchants/{shop.pk}/statement/export?start=2026-02-01&end=2026-02-28&fmt=csv")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert table[0][:5] == ["Time", "Coupons", "Member", "Bill (yuan)", "Discount (yuan)"]
    assert table[1][:5] == ["2026-02-01 00:00:00", "加班券", "王**", "35.00", "20.00"]
    assert table[-1][0] == "Total" and table[-1][4] == "55.00" and len(table) == 6
    xlsx = owner.get(f"/api/v1/rewards/merchants/{shop.pk}/statement/export?start=2026-02-01&end=2026-02-28")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == 6 and float(sheet.cell(row=6, column=5).value) == 55.0
    assert sheet.cell(row=2, column=3).value == "王**"
    for user, status in ((cast["other_cashier"], 403), (cast["member"], 403), (cast["op_b"], 404), (None, 401)):
        assert _client(user).get(f"/api/v1/rewards/merchants/{shop.pk}/statement?start=2026-02-01&end=2026-02-28") \
            .status_code == status


def test_the_settlements_api(cast: dict[str, Any], february: list[Redemption]) -> None:
    shop, op = cast["shop"], _client(cast["op_a"])
    body = json.dumps({"period_start": "2026-02-01", "period_end": "2026-02-28"})
    refused = _client(cast["owner"]).post(f"/api/v1/rewards/merchants/{shop.pk}/settlements", body,
                                          content_type="application/json")
    assert refused.status_code == 403
    assert _client(cast["op_b"]).post(f"/api/v1/rewards/merchants/{shop.pk}/settlements", body,
                                      content_type="application/json").status_code == 404
    closed = op.post(f"/api/v1/rewards/merchants/{shop.pk}/settlements", body, content_type="application/json")
    assert closed.status_code == 201 and closed.json()["total_fen"] == 5500
    again = op.post(f"/api/v1/rewards/merchants/{shop.pk}/settlements", body, content_type="application/json")
    assert again.json()["id"] == closed.json()["id"]
    today = timezone.localdate()
    future = json.dumps({"period_start": (today - dt.timedelta(days=3)).isoformat(), "period_end": today.isoformat()})
    late = op.post(f"/api/v1/rewards/merchants/{shop.pk}/settlements", future, content_type="application/json")
    assert late.status_code == 400 and late.json()["code"] == ErrorCode.IN_THE_FUTURE
    sid = closed.json()["id"]
    assert _client(cast["cashier"]).get(f"/api/v1/rewards/settlements/{sid}").status_code == 200
    assert _client(cast["other_cashier"]).get(f"/api/v1/rewards/settlements/{sid}").status_code == 403
    assert _client(cast["op_b"]).get(f"/api/v1/rewards/settlements/{sid}").status_code == 404
    assert _client(cast["cashier"]).post(f"/api/v1/rewards/settlements/{sid}/paid").status_code == 403
    assert op.post(f"/api/v1/rewards/settlements/{sid}/paid").json()["status"] == "paid"
    listed = _client(cast["owner"]).get(f"/api/v1/rewards/merchants/{shop.pk}/settlements").json()
    assert listed["count"] == 1 and listed["items"][0]["status"] == "paid"
    assert _client(cast["owner"]).get(f"/api/v1/rewards/merchants/{shop.pk}/owed").json()["unpaid_fen"] == 0


def test_the_statement_rows_cost_the_same_queries_for_few_or_many(cast: dict[str, Any]) -> None:
    shop, owner = cast["shop"], _client(cast["owner"])
    url = f"/api/v1/rewards/merchants/{shop.pk}/statement/rows?start=2026-02-01&end=2026-02-28"
    redeem(shop, cast["member"], cast["template"], at=beijing(dt.date(2026, 2, 3)))

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert owner.get(url).status_code == 200
        return len(ctx.captured_queries)

    count()  # the people's cached roles and parks (core/generations.py) are read once first
    few = count()
    for day in range(4, 24):
        redeem(shop, cast["outsider"], cast["template"], at=beijing(dt.date(2026, 2, day)))
    assert count() == few


def test_the_statements_page_for_staff_and_operators(cast: dict[str, Any], february: list[Redemption]) -> None:
    shop = cast["shop"]
    url = f"/rewards/merchants/{shop.pk}/statements/?start=2026-02-01&end=2026-02-28"
    page = _client(cast["cashier"]).get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "王**" in html and "王雨桐" not in html and "¥55" in html
    download = _client(cast["owner"]).get(url + "&format=xlsx")
    assert download.status_code == 200 and download["Content-Disposition"].endswith('.xlsx"')
    assert _client(cast["other_cashier"]).get(url).status_code == 403
    assert _client(cast["member"]).get(url).status_code == 403
    assert _client(cast["op_b"]).get(url).status_code == 404
    assert _client(cast["op_a"]).get(url).status_code == 200
    bad = _client(cast["owner"]).get(f"/rewards/merchants/{shop.pk}/statements/?start=2026-02-28&end=2026-02-01")
    assert bad.status_code == 400
    detail = f"/rewards/merchants/{shop.pk}/"
    closed = _client(cast["op_a"]).post(detail, {"action": "close", "period-period_start": "2026-02-01",
                                                 "period-period_end": "2026-02-28"})
    assert closed.status_code == 302
    settlement = Settlement.objects.get(merchant=shop)
    assert settlement.total_fen == 5500
    by_settlement = _client(cast["owner"]).get(f"/rewards/merchants/{shop.pk}/statements/?settlement={settlement.pk}")
    assert by_settlement.status_code == 200 and "2026-02-01" in by_settlement.content.decode()
    overlap = _client(cast["op_a"], "en").post(detail, {"action": "close", "period-period_start": "2026-02-10",
                                                        "period-period_end": "2026-02-12"})
    assert overlap.status_code == 400 and "重叠" in overlap.content.decode()
    _client(cast["op_a"]).post(detail, {"action": "paid", "id": str(settlement.pk)})
    settlement.refresh_from_db()
    assert settlement.status == Settlement.Status.PAID
