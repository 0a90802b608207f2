"""Issuing by hand: preview, grant to a list, an enterprise or a group (idempotent by key, never past the
budget, only to members of the park), the XLSX import with its row report, and the boundaries."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.community.tests.factories import add_member, group_with_admin
from parkos.core import ledger
from parkos.core.errors import Forbidden, Invalid
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin
from parkos.rewards.models import Coupon, IssueBatch
from parkos.rewards.services.grants import coupons_grant, coupons_import, grant_preview
from parkos.rewards.services.postings import BUDGET, TEMPLATE
from parkos.rewards.tests.factories import MerchantFactory, TemplateFactory, cashier_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(db: None) -> dict[str, Any]:
    a = park_default()
    b = Park.objects.create(code="b", name="乙园", name_en="Park B", position=5)
    cache.clear()
    enterprise, admin = enterprise_with_admin(park=a)
    staff = [add_staff(enterprise, UserFactory(mobile=f"1390000000{i}")) for i in range(3)]
    enterprise_b, admin_b = enterprise_with_admin(park=b)
    return {"a": a, "b": b, "enterprise": enterprise, "admin": admin, "staff": staff, "enterprise_b": enterprise_b,
            "admin_b": admin_b, "op_a": UserFactory(roles=[(Role.OPERATOR, a)]),
            "op_b": UserFactory(roles=[(Role.OPERATOR, b)]), "cashier": cashier_of(MerchantFactory(park=a)),
            "template": TemplateFactory(park=a, budget_count=100, budget_fen=200_000)}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _xlsx(rows: list[Any], header: str | None = "手机号") -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    if header:
        sheet.append(["姓名", header])
    for value in rows:
        sheet.append(["某人", value] if header else [value])
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("list.xlsx", out.getvalue())


def test_grant_to_an_enterprise_previews_then_issues_once_by_key(cast: dict[str, Any]) -> None:
    template, op = cast["template"], cast["op_a"]
    preview = grant_preview(actor=op, template=template, enterprise=cast["enterprise"])
    assert (preview.recipients, preview.would_issue, preview.cost_fen) == (4, 4, 8000)
    assert preview.budget_left_fen == 192_000 and preview.within_budget
    assert not Coupon.objects.exists()  # a preview changes nothing
    first = coupons_grant(actor=op, template=template, key="k-enterprise-1", enterprise=cast["enterprise"])
    again = coupons_grant(actor=op, template=template, key="k-enterprise-1", enterprise=cast["enterprise"])
    assert len(first.issued) == 4 and again.replayed and again.batch.pk == first.batch.pk
    assert Coupon.objects.filter(template=template).count() == 4 and IssueBatch.objects.count() == 1
    assert ledger.balances(TEMPLATE, [template.pk])[template.pk][BUDGET] == -8000
    # A second grant (another key) gives each another coupon, unless the limit says otherwise.
    second = coupons_grant(actor=op, template=template, key="k-enterprise-2", user_ids=[cast["admin"].pk])
    assert second.issued == [cast["admin"].pk]


def test_grant_never_passes_the_budget(cast: dict[str, Any]) -> None:
    template = TemplateFactory(park=cast["a"], budget_count=100, budget_fen=5000)  # two ¥20 coupons
    preview = grant_preview(actor=cast["op_a"], template=template, enterprise=cast["enterprise"])
    assert (preview.would_issue, preview.over_budget, preview.within_budget) == (2, 2, False)
    result = coupons_grant(actor=cast["op_a"], template=template, key="budget-run", enterprise=cast["enterprise"])
    assert len(result.issued) == 2 and len(result.over_budget) == 2
    template.refresh_from_db()
    assert template.issued_fen == 4000 <= template.budget_fen


def test_only_members_of_the_park_receive(cast: dict[str, Any]) -> None:
    template, op = cast["template"], cast["op_a"]
    with pytest.raises(Invalid) as error:
        coupons_grant(actor=op, template=template, key="other-park", enterprise=cast["enterprise_b"])
    assert "enterprise" in error.value.details
    stranger = UserFactory()
    result = coupons_grant(actor=op, template=template, key="mixed-list",
                           user_ids=[cast["staff"][0].pk, cast["admin_b"].pk, stranger.pk])
    assert result.issued == [cast["staff"][0].pk] and result.batch.skipped == 2
    assert {e["code"] for e in result.batch.errors} == {"not_member"}
    with pytest.raises(Invalid) as error:
        coupons_grant(actor=op, template=template, key="nobody-here", user_ids=[stranger.pk])
    assert error.value.code == "empty"
    with pytest.raises(Invalid):
        coupons_grant(actor=op, template=template, key="x", user_ids=[cast["admin"].pk])  # key too short


def test_grant_to_a_group(cast: dict[str, Any]) -> None:
    group, group_admin = group_with_admin(park=cast["a"])
    add_member(group, cast["staff"][1])
    add_member(group, UserFactory())  # not of the park: nothing for them
    result = coupons_grant(actor=cast["op_a"], template=cast["template"], key="group-grant", group=group)
    assert result.issued == [cast["staff"][1].pk]  # the group's admin and the other member are of no park
    assert group_admin.pk not in result.issued and result.batch.skipped == 2
    with pytest.raises(Invalid) as error:
        other, _admin = group_with_admin()
        other.park = cast["b"]
        coupons_grant(actor=cast["op_a"], template=cast["template"], key="group-other-park", group=other)
    assert "group" in error.value.details


def test_import_reports_every_row(cast: dict[str, Any]) -> None:
    template = TemplateFactory(park=cast["a"], budget_count=2, budget_fen=200_000, per_person_limit=1)
    outsider = UserFactory(mobile="13911112222")  # no enterprise in the park
    limited = cast["staff"][2]
    coupons_grant(actor=cast["op_a"], template=template, key="before-import", user_ids=[limited.pk])
    rows = ["13900000000", "139 0000 0001", "13900000000", "12345", "13800000009", "13911112222", "13900000002",
            cast["admin"].mobile or "13700000000"]
    check = coupons_import(actor=cast["op_a"], template=template, key="import-file-1", upload=_xlsx(rows), dry_run=True)
    assert check.result is None and check.preview is not None and check.preview.would_issue == 1
    assert not IssueBatch.objects.filter(key__endswith="import-file-1").exists()
    report = coupons_import(actor=cast["op_a"], template=template, key="import-file-1", upload=_xlsx(rows))
    assert report.rows == 8 and report.result is not None and len(report.result.issued) == 1
    by_row = {row: message for row, _m, message in report.errors}
    assert set(by_row) == {3, 4, 5, 6, 7, 8, 9}  # row 2 (the first number) issued; row 1 is the header
    codes = {e["row"]: e["code"] for e in report.result.batch.errors}
    assert codes == {3: "over_budget", 4: "duplicate", 5: "mobile", 6: "unknown", 7: "not_member",
                     8: "over_limit", 9: "unknown"}
    assert outsider.coupons.count() == 0 and Coupon.objects.filter(template=template).count() == 2
    replay = coupons_import(actor=cast["op_a"], template=template, key="import-file-1", upload=_xlsx(rows))
    assert replay.result is not None and replay.result.replayed and len(replay.errors) == 7


def test_import_refuses_bad_files_and_changes_nothing(cast: dict[str, Any]) -> None:
    template, op = cast["template"], cast["op_a"]
    for upload, code in [(SimpleUploadedFile("a.xlsx", b"not a spreadsheet"), "file_type"),
                         (SimpleUploadedFile("a.xlsx", b""), "file_empty"),
                         (SimpleUploadedFile("a.xlsx", b"PK\x03\x04broken"), "file_type"),
                         (_xlsx([]), "file_empty"),
                         (_xlsx(["13900000000"] * 5001, header=None), "too_many")]:
        with pytest.raises(Invalid) as error:
            coupons_import(actor=op, template=template, key="bad-file-1", upload=upload)
        assert error.value.code == code and "upload" in error.value.details
    assert not IssueBatch.objects.exists()


def test_boundaries(cast: dict[str, Any]) -> None:
    template = cast["template"]
    for who in (cast["op_b"], cast["admin"], cast["cashier"]):
        with pytest.raises(Forbidden):
            coupons_grant(actor=who, template=template, key="not-allowed", user_ids=[cast["admin"].pk])
        with pytest.raises(Forbidden):
            coupons_import(actor=who, template=template, key="not-allowed", upload=_xlsx(["13900000000"]))
    url = f"/api/v1/rewards/templates/{template.pk}/grant"
    body = json.dumps({"key": "api-grant-1", "mobiles": ["13900000000", "13912345678"]})
    assert _client(cast["op_b"]).post(url, body, content_type="application/json").status_code == 404
    assert _client(cast["admin"]).post(url, body, content_type="application/json").status_code == 403
    assert _client(cast["cashier"]).post(url, body, content_type="application/json").status_code == 403
    assert Client().post(url, body, content_type="application/json").status_code == 401
    assert not Coupon.objects.exists()


def test_the_api(cast: dict[str, Any]) -> None:
    template, op = cast["template"], _client(cast["op_a"])
    base = f"/api/v1/rewards/templates/{template.pk}"
    preview = op.post(f"{base}/grant/preview", json.dumps({"enterprise": cast["enterprise"].pk}),
                      content_type="application/json")
    assert preview.status_code == 200 and preview.json()["would_issue"] == 4 and preview.json()["cost_fen"] == 8000
    body = json.dumps({"key": "api-grant-1", "mobiles": ["13900000000", "13912345678"]})
    made = op.post(f"{base}/grant", body, content_type="application/json")
    assert made.status_code == 201 and made.json()["issued"] == 1 and made.json()["not_found"] == ["13912345678"]
    again = op.post(f"{base}/grant", body, content_type="application/json")
    assert again.status_code == 200 and again.json()["replayed"] and again.json()["batch"]["id"] == made.json()["batch"]["id"]
    both = op.post(f"{base}/grant", json.dumps({"key": "api-grant-2", "user_ids": [cast["admin"].pk],
                                                 "enterprise": cast["enterprise"].pk}), content_type="application/json")
    assert both.status_code == 400
    imported = op.post(f"{base}/import", {"key": "api-import-1", "file": _xlsx(["13900000001", "12"])})
    assert imported.status_code == 201, imported.content
    assert imported.json()["batch"]["issued"] == 1 and imported.json()["errors"][0]["row"] == 3
    for n in range(5):
        op.post(f"{base}/grant", json.dumps({"key": f"api-more-{n:04d}", "user_ids": [cast["admin"].pk]}),
                content_type="application/json")
    with CaptureQueriesContext(connection) as queries:
        batches = op.get(f"{base}/batches")
    assert batches.json()["count"] == 7 and len(queries) <= 8  # no query per batch


def test_the_pages_preview_confirm_and_import(cast: dict[str, Any]) -> None:
    template, op = cast["template"], _client(cast["op_a"])
    page = op.post(f"/rewards/templates/{template.pk}/grant/", {"action": "preview", "to": "enterprise",
                                                                "enterprise": cast["enterprise"].pk})
    text = page.content.decode()
    assert page.status_code == 200 and 'data-testid="preview"' in text and "¥80" in text
    key = page.context["confirm"]["key"]
    confirm = {"action": "confirm", "to": "enterprise", "enterprise": cast["enterprise"].pk, "key": key}
    first = op.post(f"/rewards/templates/{template.pk}/grant/", confirm)
    second = op.post(f"/rewards/templates/{template.pk}/grant/", confirm)  # a double submit
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Coupon.objects.filter(template=template).count() == 4
    upload = _xlsx(["13900000000", "abc"])
    report = op.post(f"/rewards/templates/{template.pk}/import/", {"key": "page-import-1", "upload": upload})
    assert report.status_code == 302
    batch = IssueBatch.objects.get(key=f"grant:{template.pk}:page-import-1")
    shown = op.get(report["Location"]).content.decode()
    assert 'data-testid="row-errors"' in shown
    download = op.get(f"/rewards/templates/{template.pk}/batches/{batch.pk}/errors.xlsx")
    sheet = load_workbook(io.BytesIO(download.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][:2] == (3, "abc")  # the header, then the one bad row
    assert _client(cast["op_b"]).get(f"/rewards/templates/{template.pk}/batches/{batch.pk}/errors.xlsx").status_code == 404
