"""An enterprise's monthly statement on the hand-built week (test_figures_fixtures.py): its totals are the
ledger's and the sums of its lines; the downloads hold the same numbers; its admins and the park's
operators read it, nobody else."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from parkos.bookings.models import CreditMonth
from parkos.bookings.selectors.statements import statement_enterprise_get, statement_get, statement_table
from parkos.bookings.services.credits import statement_lines
from parkos.bookings.tests.factories import staff_member
from parkos.bookings.tests.test_figures_fixtures import week_fixture  # noqa: F401
from parkos.core import ledger
from parkos.core.errors import Invalid, NotFound
from parkos.enterprises.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

MARCH = dt.date(2025, 3, 1)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_statement_equals_the_ledger_and_the_sum_of_its_lines(week: dict[str, Any]) -> None:
    b1, b2, b3, _b4, b5, b6 = week["bookings"]
    for enterprise, expected in ((week["e1"], (10, 8, 2, 0, [b1, b2, b6])), (week["e2"], (0, 0, 0, 115_000, [b3, b5]))):
        s = statement_get(viewer=week["admin1"] if enterprise == week["e1"] else week["op_a"], enterprise=enterprise,
                          month="2025-03")
        granted, used, left, charged, lines = expected
        assert (s.granted, s.used, s.left, s.charged_fen) == (granted, used, left, charged)
        assert [line.booking_id for line in s.lines] == [b.pk for b in lines]  # b4, cancelled, gave it all back
        month = CreditMonth.objects.get(enterprise=enterprise, month=MARCH)
        from_ledger = statement_lines(month)
        assert (s.granted, s.used, s.left, s.charged_fen) == (from_ledger["granted"], from_ledger["used"],
                                                              from_ledger["available"], from_ledger["charged_fen"])
        assert s.lines_credits == s.used and s.lines_charge_fen == s.charged_fen
        assert (month.granted, month.used, month.charged_fen) == (s.granted, s.used, s.charged_fen)
    released = next(line for line in statement_get(viewer=week["op_a"], enterprise=week["e1"], month=MARCH).lines
                    if line.booking_id == b2.pk)
    assert (released.status, released.credits) == ("released", 2)  # a no-show keeps its credits
    assert ledger.ledger_check().ok


def test_a_month_without_bookings_is_empty_with_the_plan_now(week: dict[str, Any]) -> None:
    s = statement_get(viewer=week["admin1"], enterprise=week["e1"], month="2025-04")
    assert (s.granted, s.used, s.left, s.charged_fen, s.lines, s.plan_name) == (10, 0, 10, 0, [], "十点套餐")
    with pytest.raises(Invalid):
        statement_get(viewer=week["admin1"], enterprise=week["e1"], month="March")


def test_only_its_admins_and_the_park_operators_read_it(week: dict[str, Any]) -> None:
    e1 = week["e1"]
    assert statement_enterprise_get(viewer=week["admin1"], enterprise_id=e1.pk) == e1
    assert statement_enterprise_get(viewer=week["op_a"], enterprise_id=e1.pk) == e1
    other_admin = staff_member(EnterpriseFactory(park=week["a"]), admin=True)
    for outsider in (week["u1"], week["op_b"], other_admin):  # staff, the other park's operator, another admin
        with pytest.raises(NotFound):
            statement_enterprise_get(viewer=outsider, enterprise_id=e1.pk)
        assert _client(outsider).get(f"/bookings/statements/{e1.pk}/").status_code == 404
        assert _client(outsider).get(f"/api/v1/bookings/statements/{e1.pk}").status_code == 404
    assert Client().get(f"/bookings/statements/{e1.pk}/").status_code == 302  # to the log-in
    assert _client(week["admin1"]).get(f"/bookings/statements/{e1.pk}/", {"month": "2025-03"}).status_code == 200


def test_the_page_and_its_downloads_hold_the_same_numbers(week: dict[str, Any],
                                                          django_assert_max_num_queries: Any) -> None:
    client = _client(week["admin1"])
    e2 = week["e2"]
    op = _client(week["op_a"])
    op.get(f"/bookings/statements/{e2.pk}/", {"month": "2025-03"})
    with django_assert_max_num_queries(14):
        page = op.get(f"/bookings/statements/{e2.pk}/", {"month": "2025-03"})
    html = page.content.decode()
    for text in ("¥1,150", "¥150", "¥1,000", "周三评审", "周六发布会", 'value="2025-03" selected'):
        assert text in html, text
    response = client.get(f"/bookings/statements/{week['e1'].pk}/", {"month": "2025-03", "format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][0] == "日期" and len(rows) == 1 + 3 + 1 + 4
    assert [r[7] for r in rows[1:4]] == [4, 2, 2] and rows[1][3] == "甲-501"
    assert [r[7] for r in rows[5:8]] == [10, 8, 2] and rows[8][8] == 0  # granted, used, left; charged
    text = op.get(f"/bookings/statements/{e2.pk}/", {"month": "2025-03", "format": "csv"}).content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert [r[8] for r in table[1:3]] == ["150.00", "1000.00"] and table[-1][8] == "1150.00"
    header, rows2 = statement_table(statement_get(viewer=week["op_a"], enterprise=e2, month=dt.date(2025, 3, 9)))
    assert len(header) == 9 and rows2[-1][8] == table_total(table)


def table_total(table: list[list[str]]) -> Any:
    from decimal import Decimal

    return Decimal(table[-1][8])


def test_the_api_gives_the_statement_and_its_months(week: dict[str, Any]) -> None:
    client = _client(week["admin1"])
    body = client.get(f"/api/v1/bookings/statements/{week['e1'].pk}", {"month": "2025-03"}).json()
    assert (body["granted"], body["used"], body["left"], body["charged_fen"]) == (10, 8, 2, 0)
    assert sum(line["credits"] for line in body["lines"]) == body["used"] == 8
    months = client.get(f"/api/v1/bookings/statements/{week['e1'].pk}/months").json()
    assert months == [{"month": "2025-03-01", "granted": 10, "used": 8, "charged_fen": 0}]
    export = client.get(f"/api/v1/bookings/statements/{week['e1'].pk}/export", {"month": "2025-03", "fmt": "csv"})
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    assert client.get(f"/api/v1/bookings/statements/{week['e1'].pk}", {"month": "2025-13"}).status_code == 400
