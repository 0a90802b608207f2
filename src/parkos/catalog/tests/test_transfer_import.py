"""Catalog import/export: round trip (XLSX and CSV), upsert by code, and malformed files, for which
every error is reported by row and column and nothing at all is written."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.catalog import transfer
from parkos.catalog.models import Service
from parkos.catalog.tests.factories import CategoryFactory, ProviderFactory, ServiceFactory
from parkos.core.errors import Forbidden

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup() -> dict[str, Any]:
    category = CategoryFactory(code="legal-contract", name_zh="合同与合规")
    provider = ProviderFactory(name="北京明理律师事务所")
    service = ServiceFactory(code="legal-001", category=category, provider=provider, name_zh="合同审查",
                             materials=["合同文本", "交易背景说明"], materials_en=["", "Background of the deal"],
                             tags=["合同", "律师"],
                             fields=[{"name": "summary", "label": "需求说明", "type": "textarea", "required": True}],
                             eligibility={"tenant_only": True, "stages": ["seed"]})
    return {"operator": UserFactory(roles=[Role.OPERATOR]), "category": category, "provider": provider,
            "service": service}


def csv_bytes(rows: list[list[str]]) -> bytes:
    import csv

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def row(**overrides: str) -> list[str]:
    values = {"code": "legal-002", "category": "legal-contract", "name_zh": "律师函", "name_en": "Lawyer's letter",
              "description_zh": "发送律师函。", "description_en": "", "provider": "北京明理律师事务所", "pricing": "fixed",
              "price": "1000", "sla_days": "2", "materials": "合同；证据|授权书", "materials_en": "", "fields": "", "eligibility": "",
              "tags": "律师函，催收", "is_active": "1", "park": ""}
    values.update(overrides)
    return [values[c] for c in transfer.COLUMNS]


def snapshot() -> list[tuple[Any, ...]]:
    return list(Service.objects.order_by("code").values_list("code", "name_zh", "price", "materials", "materials_en",
                                                              "is_active"))


def test_export_then_import_is_a_round_trip_in_both_formats(setup: dict[str, Any]) -> None:
    before = snapshot()
    rows = transfer.export_rows(actor=setup["operator"])
    assert rows[0] == transfer.COLUMNS
    for data, name in ((transfer.to_xlsx(rows), "catalog.xlsx"), (transfer.to_csv(rows), "catalog.csv")):
        result = transfer.catalog_import(actor=setup["operator"], data=data, filename=name)
        assert result.ok, result.errors
        assert (result.created, result.updated, result.written) == (0, 1, True)
        assert snapshot() == before
    service = Service.objects.get(code="legal-001")
    assert service.fields[0]["label"] == "需求说明"
    assert service.eligibility == {"tenant_only": True, "stages": ["seed"]}
    assert service.materials_en == ["", "Background of the deal"]  # an item without English keeps its place


def test_import_upserts_by_code(setup: dict[str, Any]) -> None:
    data = csv_bytes([transfer.COLUMNS, row(), row(code="legal-001", name_zh="合同审查（新版）", price="1,800.5",
                                               pricing="固定价格", is_active="否")])
    result = transfer.catalog_import(actor=setup["operator"], data=data, filename="x.csv")
    assert result.ok, result.errors
    assert (result.created, result.updated) == (1, 1)
    new = Service.objects.get(code="legal-002")
    assert new.materials == ["合同", "证据", "授权书"] and new.materials_en == []
    assert new.tags == ["律师函", "催收"]
    old = Service.objects.get(code="legal-001")
    assert (old.name_zh, old.price, old.is_active) == ("合同审查（新版）", Decimal("1800.50"), False)


def test_dry_run_checks_and_writes_nothing(setup: dict[str, Any]) -> None:
    before = snapshot()
    result = transfer.catalog_import(actor=setup["operator"], data=csv_bytes([transfer.COLUMNS, row()]),
                                     filename="x.csv", dry_run=True)
    assert result.ok and not result.written and result.created == 1
    assert snapshot() == before


def _errors(setup: dict[str, Any], data: bytes, filename: str) -> list[tuple[int, str, str]]:
    before = snapshot()
    with translation.override("en"):
        result = transfer.catalog_import(actor=setup["operator"], data=data, filename=filename)
    assert not result.ok and not result.written
    assert snapshot() == before, "a rejected file must change nothing"
    return [(e.row, e.column, e.message) for e in result.errors]


def test_row_errors_name_row_and_column_and_nothing_is_written(setup: dict[str, Any]) -> None:
    rows = [transfer.COLUMNS,
            row(code="good-1", name_zh="一切正常"),  # valid, but the file as a whole is refused
            row(code="bad-price", price="一千"),
            row(code="bad-cat", category="no-such"),
            row(code="bad-json", fields='[{"name": "x", "type": "text"'),
            row(code="bad-fields", fields='[{"name": "x", "type": "video"}]'),
            row(code="bad-elig", eligibility='{"stages": ["series_z"]}'),
            row(code="bad-sla", sla_days="0"),
            row(code="bad-provider", provider="无名氏"),
            row(code="fixed-no-price", price=""),
            row(code="good-1")]
    errors = _errors(setup, csv_bytes(rows), "catalog.csv")
    by_row = {(r, c) for r, c, _m in errors}
    assert {(3, "price"), (4, "category"), (5, "fields"), (6, "fields"), (7, "eligibility"), (8, "sla_days"),
            (9, "provider"), (10, "price"), (11, "code")} <= by_row
    assert (2, "code") not in by_row
    messages = dict(((r, c), m) for r, c, m in errors)
    assert messages[(5, "fields")].startswith("Not valid JSON")
    assert "already on row 2" in messages[(11, "code")]
    assert not Service.objects.filter(code="good-1").exists()


@pytest.mark.parametrize(("data", "filename", "fragment"), [
    (b"", "catalog.csv", "empty"),
    (b"   \n  ", "catalog.csv", "empty"),
    (b"this is not a spreadsheet at all", "catalog.xlsx", "not an XLSX"),
    (b"PK\x03\x04garbage-zip-content", "catalog.xlsx", "could not be read"),
    (b"\x00\x01\x02\x03binary", "catalog.bin", "neither an XLSX nor a CSV"),
    (b"code,name\nx,y\n", "catalog.csv", "missing columns"),
    (",".join([*transfer.COLUMNS, "colour"]).encode() + b"\n", "catalog.csv", "unknown columns: colour"),
    (",".join(transfer.COLUMNS).encode() + b"\n", "catalog.csv", "no services"),
])
def test_malformed_files_are_refused_whole(setup: dict[str, Any], data: bytes, filename: str, fragment: str) -> None:
    errors = _errors(setup, data, filename)
    assert errors[0][0] == 1
    assert fragment in errors[0][2]


def test_a_valid_xlsx_from_excel_imports(setup: dict[str, Any]) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(transfer.COLUMNS)
    values = row(code="xl-1", price="")
    values[transfer.COLUMNS.index("price")] = 1500  # Excel stores numbers as numbers
    values[transfer.COLUMNS.index("sla_days")] = 3.0
    values[transfer.COLUMNS.index("fields")] = json.dumps([{"name": "who", "label": "对方", "type": "text"}])
    sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    result = transfer.catalog_import(actor=setup["operator"], data=out.getvalue(), filename="c.xlsx")
    assert result.ok, result.errors
    service = Service.objects.get(code="xl-1")
    assert (service.price, service.sla_days, service.fields[0]["name"]) == (Decimal("1500.00"), 3, "who")


def test_formula_like_text_is_neutralised_in_exports_and_read_back(setup: dict[str, Any]) -> None:
    Service.objects.filter(code="legal-001").update(name_zh="=HYPERLINK(\"http://x\")")
    rows = transfer.export_rows(actor=setup["operator"])
    assert rows[1][transfer.COLUMNS.index("name_zh")].startswith("'=")
    result = transfer.catalog_import(actor=setup["operator"], data=transfer.to_xlsx(rows), filename="c.xlsx")
    assert result.ok
    assert Service.objects.get(code="legal-001").name_zh == "=HYPERLINK(\"http://x\")"


def test_only_operators_import_and_export(setup: dict[str, Any]) -> None:
    butler = UserFactory(roles=[Role.BUTLER])
    with pytest.raises(Forbidden):
        transfer.catalog_import(actor=butler, data=csv_bytes([transfer.COLUMNS, row()]), filename="x.csv")
    with pytest.raises(Forbidden):
        transfer.export_rows(actor=butler)
    client = Client()
    client.force_login(butler)
    assert client.get(reverse("catalog:manage")).status_code == 403
    assert client.get(reverse("catalog:manage_export", args=["csv"])).status_code == 403


def test_upload_page_previews_errors_then_imports(setup: dict[str, Any]) -> None:
    client = Client()
    client.force_login(setup["operator"])
    assert client.get(reverse("catalog:manage")).status_code == 200
    bad = SimpleUploadedFile("c.csv", csv_bytes([transfer.COLUMNS, row(price="abc")]), content_type="text/csv")
    response = client.post(reverse("catalog:manage"), {"file": bad})
    assert response.status_code == 400
    assert b'data-row="2" data-column="price"' in response.content
    good = csv_bytes([transfer.COLUMNS, row()])
    checked = client.post(reverse("catalog:manage"), {"file": SimpleUploadedFile("c.csv", good), "dry_run": "on"})
    assert b'data-written="0"' in checked.content and not Service.objects.filter(code="legal-002").exists()
    done = client.post(reverse("catalog:manage"), {"file": SimpleUploadedFile("c.csv", good)})
    assert b'data-written="1"' in done.content and Service.objects.filter(code="legal-002").exists()
    xlsx = client.get(reverse("catalog:manage_export", args=["xlsx"]))
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert [c.value for c in next(sheet.iter_rows(max_row=1))] == transfer.COLUMNS


def test_management_commands(setup: dict[str, Any], tmp_path: Any) -> None:
    path = tmp_path / "catalog.xlsx"
    call_command("catalog_export", str(path), "--as", setup["operator"].email)
    Service.objects.filter(code="legal-001").update(name_zh="改过的名字")
    call_command("catalog_import", str(path), "--as", setup["operator"].email)
    assert Service.objects.get(code="legal-001").name_zh == "合同审查"
    broken = tmp_path / "broken.csv"
    broken.write_bytes(csv_bytes([transfer.COLUMNS, row(category="nope")]))
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("catalog_import", str(broken), "--as", setup["operator"].email)
    assert not Service.objects.filter(code="legal-002").exists()


def test_materials_english_is_optional_and_kept_item_by_item(setup: dict[str, Any]) -> None:
    data = csv_bytes([transfer.COLUMNS, row(materials_en="Contract；；Power of attorney")])
    assert transfer.catalog_import(actor=setup["operator"], data=data, filename="x.csv").ok
    assert Service.objects.get(code="legal-002").materials_en == ["Contract", "", "Power of attorney"]
    older = [c for c in transfer.COLUMNS if c != "materials_en"]  # a file written before the column
    values = dict(zip(transfer.COLUMNS, row(code="legal-003"), strict=True))
    result = transfer.catalog_import(actor=setup["operator"], data=csv_bytes([older, [values[c] for c in older]]),
                                     filename="old.csv")
    assert result.ok, result.errors
    assert Service.objects.get(code="legal-003").materials_en == []
