"""Import and export of the service catalog (operators): XLSX (openpyxl) or CSV (UTF-8, with or
without BOM; GB18030 as read by Excel in Chinese locales is accepted too).

Column layout (first row: these names, any order; every column must be present):

| column         | content                                                                 |
| -------------- | ----------------------------------------------------------------------- |
| code           | the service's stable code (letters, digits, dashes); import upserts by it |
| category       | category code (e.g. ``legal-contract``)                                 |
| name_zh        | name in Chinese (required)                                              |
| name_en        | name in English                                                         |
| description_zh | description in Chinese                                                  |
| description_en | description in English                                                  |
| provider       | the provider's name exactly as registered (e.g. ``园区服务中心``)       |
| pricing        | ``fixed``, ``free`` or ``quote`` (also 固定价格 / 免费 / 面议)          |
| price          | yuan, required for ``fixed``                                            |
| sla_days       | expected turnaround in working days, 1–365                              |
| materials      | documents the enterprise supplies, separated by ``；`` or ``|``         |
| materials_en   | optional column: their English, item by item (an empty item shows in Chinese) |
| fields         | the request form as JSON (a list of ``{"name", "label", "type", ...}``) |
| eligibility    | JSON ``{"tenant_only": true, "stages": [...], "industries": [...]}``    |
| tags           | separated by ``；``, ``，`` or ``|``                                    |
| is_active      | 1/0, true/false, 是/否 (empty: active)                                  |
| park           | optional column: the park's code for a park-only service (empty: every park) |

A park operator imports and exports the services of their own park (and sees the portfolio-wide ones in
the export); only a portfolio operator imports portfolio-wide services or changes them.

Import validates every row first and writes nothing when any row is invalid: the result lists each
error with its row number (as a spreadsheet shows it, the header being row 1), column and message.
When all rows are valid it writes them in one transaction. Export writes the same layout, so an
exported file imports back unchanged."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from parkos.accounts.models import User
from parkos.catalog.models import Category, PricingKind, Provider, Service
from parkos.catalog.services.catalog import eligibility_validate, fields_validate, materials_en_validate
from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.models import Park
from parkos.core.parks import park_list, park_param

COLUMNS = ["code", "category", "name_zh", "name_en", "description_zh", "description_en", "provider", "pricing",
           "price", "sla_days", "materials", "materials_en", "fields", "eligibility", "tags", "is_active", "park"]
# Files written before parks existed have no park column: their rows are portfolio-wide services; files
# written before materials had English have no materials_en column.
OPTIONAL_COLUMNS = frozenset({"park", "materials_en"})
MAX_ROWS = 5000
PRICING_ALIASES = {"fixed": "fixed", "free": "free", "quote": "quote", "固定价格": "fixed", "固定": "fixed",
                   "免费": "free", "园区企业免费": "free", "面议": "quote", "报价": "quote"}
TRUE = {"1", "true", "yes", "y", "是", "有效", ""}
FALSE = {"0", "false", "no", "n", "否", "停用"}
LIST_SPLIT = re.compile(r"[；;|]")
TAG_SPLIT = re.compile(r"[；;，,|]")
CODE_RE = re.compile(r"^[-a-zA-Z0-9_]{1,40}$")
FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class RowError:
    row: int  # as in the spreadsheet: the header is row 1
    column: str
    message: str


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


class FileError(Exception):
    """The file as a whole cannot be read (not a spreadsheet, empty, wrong header)."""


# --- reading ---------------------------------------------------------------------------------------

def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    # Export protects text cells from spreadsheet formula injection with a leading apostrophe.
    if text.startswith("'") and text[1:2] in FORMULA_START:
        text = text[1:]
    return text


def read_table(data: bytes, filename: str = "") -> list[list[str]]:
    """The file's rows as text cells (header included). Raises FileError for what cannot be read."""
    if not data or not data.strip():
        raise FileError(_("The file is empty."))
    is_zip = data[:4] == b"PK\x03\x04"
    if filename.lower().endswith((".xlsx", ".xlsm")) or is_zip:
        if not is_zip:
            raise FileError(_("This is not an XLSX file. Save it from Excel as .xlsx, or as CSV (UTF-8)."))
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a damaged archive
            raise FileError(_("The XLSX file could not be read; it may be damaged.")) from None
        sheet = book.worksheets[0]
        rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
    else:
        if b"\x00" in data[:4096]:
            raise FileError(_("This is neither an XLSX nor a CSV file."))
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise FileError(_("The CSV file must be in UTF-8.")) from None
        rows = [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text))]
    rows = [r for r in rows if any(r)]
    if not rows:
        raise FileError(_("The file is empty."))
    return rows


def _header(row: list[str]) -> list[str]:
    header = [c.strip().lower() for c in row]
    while header and not header[-1]:
        header.pop()
    missing = [c for c in COLUMNS if c not in header and c not in OPTIONAL_COLUMNS]
    unknown = [c for c in header if c not in COLUMNS]
    duplicate = sorted({c for c in header if header.count(c) > 1})
    if missing or unknown or duplicate:
        parts = []
        if missing:
            parts.append(_("missing columns: %(cols)s") % {"cols": ", ".join(missing)})
        if unknown:
            parts.append(_("unknown columns: %(cols)s") % {"cols": ", ".join(c or "?" for c in unknown)})
        if duplicate:
            parts.append(_("repeated columns: %(cols)s") % {"cols": ", ".join(duplicate)})
        raise FileError(_("The first row must name the columns (%(expected)s); %(problems)s.")
                        % {"expected": ", ".join(COLUMNS), "problems": "; ".join(parts)})
    return header


# --- validating ------------------------------------------------------------------------------------

def _json(text: str, default: Any) -> Any:
    return json.loads(text) if text else default


def _row_park(actor: User, values: dict[str, str], existing: Service | None,
              errors: list[tuple[str, str]]) -> Park | None:
    """The row's park (None: every park), if the actor may put a service there and change the one there."""
    if existing is not None and not policy.can(actor, "catalog.manage", existing):
        # Another park's service (or a portfolio-wide one for a park operator): not theirs to change.
        errors.append(("code", _("You cannot change the service with this code.")))
        return existing.park
    text = values.get("park", "")
    try:
        park = park_param(text)
    except NotFound:
        errors.append(("park", _("Unknown park “%(code)s”.") % {"code": text}))
        return None
    if not policy.can(actor, "catalog.manage", park if park is not None else policy.PORTFOLIO):
        errors.append(("park", _("You can import services only for a park where you are an operator.")
                       if park is not None else
                       _("Only a portfolio operator imports services for every park: give your park's code.")))
    return park


def _row_service(values: dict[str, str], existing: Service | None, categories: dict[str, Category],
                 providers: dict[str, Provider], errors: list[tuple[str, str]]) -> Service:
    service = existing or Service(code=values["code"])

    def bad(column: str, message: str) -> None:
        errors.append((column, message))

    category = categories.get(values["category"])
    if category is None:
        bad("category", _("Unknown category “%(code)s”.") % {"code": values["category"]})
    else:
        service.category = category
    provider = providers.get(values["provider"])
    if provider is None:
        bad("provider", _("Unknown provider “%(name)s”.") % {"name": values["provider"]})
    else:
        service.provider = provider
    for name in ("name_zh", "name_en", "description_zh", "description_en"):
        setattr(service, name, values[name])
    pricing = PRICING_ALIASES.get(values["pricing"].lower())
    if pricing is None:
        bad("pricing", _("Pricing must be fixed, free or quote."))
    else:
        service.pricing = pricing
    price_text = values["price"].replace(",", "").replace("¥", "").replace("￥", "")
    service.price = None
    if price_text:
        try:
            price = Decimal(price_text)
            if not price.is_finite() or price < 0 or price >= Decimal("1e10"):
                raise InvalidOperation
            service.price = price.quantize(Decimal("0.01"))
        except InvalidOperation:
            bad("price", _("“%(value)s” is not a price in yuan.") % {"value": values["price"]})
    if pricing == PricingKind.FIXED and not price_text:
        bad("price", _("A fixed-price service needs a price."))
    if pricing == PricingKind.FREE:
        service.price = None
    try:
        sla = int(values["sla_days"])
        if not 1 <= sla <= 365:
            raise ValueError
        service.sla_days = sla
    except ValueError:
        bad("sla_days", _("The turnaround must be a whole number of working days from 1 to 365."))
    service.materials = [m.strip() for m in LIST_SPLIT.split(values["materials"]) if m.strip()]
    english = values.get("materials_en", "").strip()
    service.materials_en = materials_en_validate(LIST_SPLIT.split(english)) if english else []
    service.tags = [m.strip() for m in TAG_SPLIT.split(values["tags"]) if m.strip()]
    for column, check, default in (("fields", fields_validate, []), ("eligibility", eligibility_validate, {})):
        try:
            setattr(service, column, check(_json(values[column], default)))
        except json.JSONDecodeError as error:
            bad(column, _("Not valid JSON (at character %(pos)d).") % {"pos": error.pos + 1})
        except ValidationError as error:
            bad(column, "; ".join(error.messages))
    active = values["is_active"].lower()
    if active in TRUE:
        service.is_active = True
    elif active in FALSE:
        service.is_active = False
    else:
        bad("is_active", _("Active must be 1 or 0."))
    return service


def catalog_import(*, actor: User, data: bytes, filename: str = "", dry_run: bool = False) -> ImportResult:
    """Check the file's every row, then (unless ``dry_run`` or any row is invalid) upsert the services by
    code in one transaction. A file that cannot be read at all reports one error on row 1."""
    policy.require(actor, "catalog.manage")
    result = ImportResult()
    try:
        table = read_table(data, filename)
        header = _header(table[0])
    except FileError as error:
        result.errors.append(RowError(row=1, column="", message=str(error)))
        return result
    body = table[1:]
    if len(body) > MAX_ROWS:
        result.errors.append(RowError(row=1, column="", message=_("At most %(n)d rows per file.") % {"n": MAX_ROWS}))
        return result
    if not body:
        result.errors.append(RowError(row=1, column="", message=_("The file has a header but no services.")))
        return result
    categories = {c.code: c for c in Category.objects.all()}
    providers = {p.name: p for p in Provider.objects.all()}
    existing = {s.code: s for s in Service.objects.filter(code__in=[r[header.index("code")] for r in body
                                                                     if len(r) > header.index("code")])}
    seen: dict[str, int] = {}
    services: list[Service] = []
    for offset, raw in enumerate(body, start=2):
        values = {name: (raw[i] if i < len(raw) else "") for i, name in enumerate(header)}
        errors: list[tuple[str, str]] = []
        code = values["code"]
        if not CODE_RE.match(code):
            errors.append(("code", _("The code must be 1–40 letters, digits, dashes or underscores.")))
        elif code in seen:
            errors.append(("code", _("The code %(code)s is already on row %(row)d.") % {"code": code, "row": seen[code]}))
        else:
            seen[code] = offset
        if not values["name_zh"]:
            errors.append(("name_zh", _("The Chinese name is required.")))
        park = _row_park(actor, values, existing.get(code), errors)
        service = _row_service(values, existing.get(code), categories, providers, errors)
        service.park = park
        if not errors:
            try:
                service.full_clean(validate_unique=False)
            except ValidationError as error:
                for key, messages in error.message_dict.items():
                    errors.extend((key if key in COLUMNS else "", m) for m in messages)
        result.errors.extend(RowError(row=offset, column=c, message=m) for c, m in errors)
        services.append(service)
    result.rows = len(services)
    result.created = sum(1 for s in services if s.pk is None)
    result.updated = result.rows - result.created
    if result.errors or dry_run:
        return result
    with transaction.atomic():
        new = [s for s in services if s.pk is None]
        old = [s for s in services if s.pk is not None]
        Service.objects.bulk_create(new, batch_size=500)
        Service.objects.bulk_update(old, ["category", "provider", "name_zh", "name_en", "description_zh",
                                          "description_en", "pricing", "price", "sla_days", "materials", "materials_en",
                                          "fields", "eligibility", "tags", "is_active", "park"], batch_size=500)
        transaction.on_commit(_reindex_services)
    result.written = True
    return result


def _reindex_services() -> None:
    from parkos.search.services import reindex

    reindex(kinds=["service"], fresh=True)


# --- exporting -------------------------------------------------------------------------------------

def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (read back by import)."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


_safe = safe_cell


def export_rows(*, actor: User) -> list[list[str]]:
    """The catalog in the import layout (header first), in one query: the portfolio-wide services and the
    own services of the parks where the actor is an operator (a portfolio operator: all of them)."""
    policy.require(actor, "catalog.manage")
    rows = [list(COLUMNS)]
    scope = policy.scope_filter(actor, policy.OPERATOR) or {}
    parks = {p.pk: p.code for p in park_list()}
    qs = Service.objects.select_related("category", "provider")
    if scope:
        qs = qs.filter(Q(park__isnull=True) | Q(**scope))
    for s in qs.order_by("code"):
        rows.append([_safe(v) for v in (
            s.code, s.category.code, s.name_zh, s.name_en, s.description_zh, s.description_en, s.provider.name,
            s.pricing, "" if s.price is None else f"{s.price:.2f}", str(s.sla_days), "；".join(s.materials or []),
            "；".join(s.materials_en or []),
            json.dumps(s.fields or [], ensure_ascii=False) if s.fields else "",
            json.dumps(s.eligibility or {}, ensure_ascii=False) if s.eligibility else "",
            "；".join(s.tags or []), "1" if s.is_active else "0", parks.get(s.park_id, "") if s.park_id else "",
        )])
    return rows


def to_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read it as UTF-8


def to_xlsx(rows: list[list[Any]], *, title: str = "catalog") -> bytes:
    return sheets_to_xlsx([(title, rows)])


def sheets_to_xlsx(sheets: list[tuple[str, list[list[Any]]]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = book.create_sheet(title[:31])  # our own titles; Excel allows 31 characters
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
