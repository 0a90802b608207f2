"""Issuing by hand: an operator grants a template's coupons to a list of members, an enterprise's staff or
an interest group's members, or imports an XLSX of mobile numbers.

Every way goes through ``coupons_issue`` (services/issuing.py), so a grant is atomic, never passes the
budget and posts the ledger. Idempotency: the caller's ``key`` (the confirm form carries one, an API
client sends one) names the batch, ``grant:<template>:<key>``, and is each coupon's reason too, so a
double submit, a retried request or a replayed import issues once and answers with the first batch.

Only members of the template's park receive its coupons (staff of an enterprise of the park, or members
who follow it): anyone else in a list, a group or a file is reported, never issued to."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.core import policy
from parkos.core.errors import ErrorCode, Invalid, field_error
from parkos.core.ledger import Money
from parkos.core.text import normalise_mobile
from parkos.rewards.models import Coupon, CouponTemplate, IssueBatch
from parkos.rewards.services.issuing import IssueResult, budget_fits, budget_left, coupons_issue

KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
MAX_RECIPIENTS = 50_000  # a whole park's members, with room
MAX_LIST = 500  # people typed or pasted into a form (one look-up each)
IMPORT_MAX_BYTES = 2 * 1024 * 1024
IMPORT_MAX_ROWS = 5000
_MOBILE = re.compile(r"^1\d{10}$")

# Why a row of an import (or a person of a list) got no coupon: stored by code in the batch, shown in
# the reader's language.
ROW_ERRORS: dict[str, Any] = {
    "mobile": gettext_lazy("Not a mainland China mobile number (11 digits starting with 1)."),
    "unknown": gettext_lazy("No member has this mobile number."),
    "duplicate": gettext_lazy("The same number is on an earlier row."),
    "not_member": gettext_lazy("Not a member of this park."),
    "over_limit": gettext_lazy("Already has as many of this coupon as one member may hold."),
    "over_budget": gettext_lazy("The budget ran out before this row."),
    "already": gettext_lazy("Already received this coupon in this grant."),
}


@dataclass
class Recipients:
    user_ids: list[int]  # members of the park, in the order given
    not_members: list[int] = field(default_factory=list)  # named but not members of the park
    target: str = ""  # to whom, in words, for the batch


@dataclass
class GrantPreview:
    recipients: int  # members of the park named
    would_issue: int
    over_limit: int
    over_budget: int
    not_members: int
    cost_fen: int
    budget_left_count: int  # after this grant
    budget_left_fen: int

    @property
    def within_budget(self) -> bool:
        return self.over_budget == 0


@dataclass
class ImportReport:
    rows: int  # rows with a number on them
    errors: list[tuple[int, str, str]]  # (row, mobile, message)
    result: IssueResult | None = None  # None for a check only (``dry_run``)
    preview: GrantPreview | None = None


# --- who -------------------------------------------------------------------------------------------

def recipients_resolve(*, actor: Any, template: CouponTemplate, user_ids: Sequence[int] = (),
                       enterprise: Any = None, group: Any = None) -> Recipients:
    """The park's members among exactly one of: ``user_ids``, an enterprise's active staff, an interest
    group's active members. Refused (nothing changed) when none or more than one is given, when the
    enterprise or group belongs to another park, or when nobody is named."""
    policy.require(actor, "rewards.manage", template)
    given = [name for name, value in (("user_ids", user_ids), ("enterprise", enterprise), ("group", group)) if value]
    if len(given) != 1:
        raise field_error("user_ids", _("Choose whom to issue to: members, an enterprise or a group."),
                          code=ErrorCode.REQUIRED)
    if enterprise is not None:
        from parkos.enterprises.selectors import staff_of

        if enterprise.park_id != template.park_id:
            raise field_error("enterprise", _("Choose an enterprise of this coupon's park."),
                              code=ErrorCode.INVALID_CHOICE)
        ids = list(staff_of(enterprise).order_by("pk").values_list("pk", flat=True)[:MAX_RECIPIENTS + 1])
        target = _("Staff of %(name)s") % {"name": enterprise.name}
    elif group is not None:
        from parkos.community.models import GroupMembership
        from parkos.community.selectors.groups import member_list

        if group.park_id not in (None, template.park_id):
            raise field_error("group", _("Choose a group of this coupon's park."), code=ErrorCode.INVALID_CHOICE)
        ids = list(member_list(viewer=actor, group=group).filter(status=GroupMembership.Status.ACTIVE)
                   .order_by("user_id").values_list("user_id", flat=True)[:MAX_RECIPIENTS + 1])
        target = _("Members of the group %(name)s") % {"name": group.name}
    else:
        ids = list(dict.fromkeys(int(u) for u in user_ids))
        target = _("%(n)s members chosen by hand") % {"n": len(ids)}
    if len(ids) > MAX_RECIPIENTS:
        raise field_error(given[0], _("At most %(n)s people can be issued to at once.") % {"n": MAX_RECIPIENTS},
                          code=ErrorCode.TOO_MANY)
    members = park_member_ids(template.park_id, ids)
    return Recipients(user_ids=[u for u in ids if u in members], not_members=[u for u in ids if u not in members],
                      target=target)


def park_member_ids(park_id: int, user_ids: Iterable[int]) -> set[int]:
    """Which of ``user_ids`` are active members of the park: staff of one of its enterprises, or members
    who follow it (the bulk form of ``parkos.core.parks.park_ids_of``, one query per chunk)."""
    from parkos.accounts.models import User
    from parkos.core.models import ParkFollow
    from parkos.enterprises.selectors import staff_ids_in_park

    found: set[int] = set()
    ids = sorted(set(user_ids))
    for start in range(0, len(ids), 900):
        chunk = ids[start:start + 900]
        active = User.objects.filter(pk__in=chunk, is_active=True)
        found |= set(active.filter(pk__in=staff_ids_in_park(park_id)).values_list("pk", flat=True))
        found |= set(active.filter(pk__in=ParkFollow.objects.filter(park_id=park_id).values("user_id"))
                     .values_list("pk", flat=True))
    return found


# --- preview and grant -----------------------------------------------------------------------------

def grant_preview(*, actor: Any, template: CouponTemplate, user_ids: Sequence[int] = (), enterprise: Any = None,
                  group: Any = None) -> GrantPreview:
    """What a grant would do now: how many coupons, their cost, and the budget left after it. Reads only."""
    who = recipients_resolve(actor=actor, template=template, user_ids=user_ids, enterprise=enterprise, group=group)
    return _preview(template, who.user_ids, len(who.not_members))[0]


def _preview(template: CouponTemplate, user_ids: list[int], not_members: int) -> tuple[GrantPreview, set[int], set[int]]:
    """The preview, and which users the per-member limit and the budget would stop."""
    limited: set[int] = set()
    if template.per_person_limit:
        for start in range(0, len(user_ids), 900):
            chunk = user_ids[start:start + 900]
            limited |= {uid for uid, n in Coupon.objects.filter(template=template, owner_id__in=chunk)
                        .order_by().values("owner_id").annotate(n=Count("id")).values_list("owner_id", "n")
                        if n >= template.per_person_limit}
    eligible = [u for u in user_ids if u not in limited]
    fits = budget_fits(template, len(eligible))
    over = set(eligible[fits:])
    count, fen = budget_left(template)
    cost = fits * template.value_fen
    return (GrantPreview(recipients=len(user_ids), would_issue=fits, over_limit=len(limited), over_budget=len(over),
                         not_members=not_members, cost_fen=cost, budget_left_count=count - fits,
                         budget_left_fen=fen - cost), limited, over)


def _key(template: CouponTemplate, key: str) -> str:
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise field_error("key", _("The request needs an idempotency key of 8 to 64 letters, digits or - _ . :"),
                          code=ErrorCode.INVALID)
    return f"grant:{template.pk}:{key}"


def coupons_grant(*, actor: Any, template: CouponTemplate, key: str, user_ids: Sequence[int] = (),
                  enterprise: Any = None, group: Any = None) -> IssueResult:
    """Issue one coupon of ``template`` to each member named (see the module's docstring): up to the
    budget, the rest reported in ``over_budget``; people not of the park are recorded in the batch's
    ``errors``. The same ``key`` again returns the first batch (``replayed``) and issues nothing."""
    policy.require(actor, "rewards.manage", template)
    batch_key = _key(template, key)
    existing = IssueBatch.objects.filter(key=batch_key).first()
    if existing is not None:
        return IssueResult(batch=existing, replayed=True)
    who = recipients_resolve(actor=actor, template=template, user_ids=user_ids, enterprise=enterprise, group=group)
    if not who.user_ids:
        raise Invalid(_("Nobody to issue to: none of them is a member of this coupon's park."), code=ErrorCode.EMPTY)
    with transaction.atomic():
        result = coupons_issue(template=template, recipients=[(u, batch_key) for u in who.user_ids], key=batch_key,
                               source=IssueBatch.Source.GRANT, target=who.target, actor=actor)
        if not result.replayed and who.not_members:
            errors = [{"row": 0, "mobile": "", "user": u, "code": "not_member"} for u in who.not_members[:1000]]
            IssueBatch.objects.filter(pk=result.batch.pk).update(errors=errors,
                                                                 skipped=result.batch.skipped + len(who.not_members))
            result.batch.errors, result.batch.skipped = errors, result.batch.skipped + len(who.not_members)
        if not result.replayed:
            _notify(template, result, actor)
    return result


# --- import ----------------------------------------------------------------------------------------

def coupons_import(*, actor: Any, template: CouponTemplate, key: str, upload: Any,
                   dry_run: bool = False) -> ImportReport:
    """Issue to the mobile numbers of an XLSX file (the first column, or the one headed 手机/mobile; a
    header row is skipped), with a report of every row that got nothing and why. ``dry_run`` only checks
    the file and tells what would be issued. At most ``IMPORT_MAX_ROWS`` rows and ``IMPORT_MAX_BYTES``.
    The same ``key`` again answers the first import's report and issues nothing."""
    policy.require(actor, "rewards.manage", template)
    batch_key = _key(template, key)
    existing = None if dry_run else IssueBatch.objects.filter(key=batch_key).first()
    if existing is not None:
        return ImportReport(rows=existing.requested, errors=batch_errors(existing),
                            result=IssueResult(batch=existing, replayed=True))
    rows = _read_rows(upload)
    errors: list[tuple[int, str, str]] = []  # (row, mobile, code) until the end
    first_row: dict[str, int] = {}
    valid: list[tuple[int, str]] = []
    for number, raw in rows:
        mobile = normalise_mobile(raw)
        if not _MOBILE.match(mobile):
            errors.append((number, raw, "mobile"))
        elif mobile in first_row:
            errors.append((number, mobile, "duplicate"))
        else:
            first_row[mobile] = number
            valid.append((number, mobile))
    users = _users_by_mobile([m for _n, m in valid])
    row_of_user: dict[int, tuple[int, str]] = {}
    for number, mobile in valid:
        uid = users.get(mobile)
        if uid is None:
            errors.append((number, mobile, "unknown"))
        elif uid in row_of_user:  # two numbers of one account cannot happen (mobile is unique); be safe
            errors.append((number, mobile, "duplicate"))
        else:
            row_of_user[uid] = (number, mobile)
    members = park_member_ids(template.park_id, row_of_user)
    for uid, (number, mobile) in row_of_user.items():
        if uid not in members:
            errors.append((number, mobile, "not_member"))
    ordered = [uid for uid in row_of_user if uid in members]  # file order

    if dry_run:
        preview, limited, over = _preview(template, ordered, sum(1 for e in errors if e[2] == "not_member"))
        errors += [(*row_of_user[u], "over_limit") for u in ordered if u in limited]
        errors += [(*row_of_user[u], "over_budget") for u in ordered if u in over]
        return ImportReport(rows=len(rows), errors=_translated(errors), preview=preview)

    with transaction.atomic():
        result = coupons_issue(template=template, recipients=[(u, batch_key) for u in ordered], key=batch_key,
                               source=IssueBatch.Source.GRANT, actor=actor,
                               target=_("Imported file: %(n)s rows") % {"n": len(rows)})
        if result.replayed:  # a concurrent import with this key won
            return ImportReport(rows=result.batch.requested, errors=batch_errors(result.batch), result=result)
        errors += [(*row_of_user[u], "over_limit") for u in result.over_limit]
        errors += [(*row_of_user[u], "over_budget") for u in result.over_budget]
        errors += [(*row_of_user[u], "already") for u in result.already]
        errors.sort()
        stored = [{"row": n, "mobile": m, "code": c} for n, m, c in errors]
        IssueBatch.objects.filter(pk=result.batch.pk).update(errors=stored, requested=len(rows),
                                                             skipped=len(errors))
        result.batch.errors, result.batch.requested, result.batch.skipped = stored, len(rows), len(errors)
        _notify(template, result, actor)
    return ImportReport(rows=len(rows), errors=_translated(errors), result=result)


def batch_errors(batch: IssueBatch) -> list[tuple[int, str, str]]:
    """The rows (or people) of a batch that got nothing: (row, mobile, message in the reader's language)."""
    out = []
    for item in batch.errors or []:
        if isinstance(item, dict):
            code = str(item.get("code", ""))
            out.append((int(item.get("row") or 0), str(item.get("mobile") or ""), str(ROW_ERRORS.get(code, code))))
    return out


def _translated(errors: list[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    return [(n, m, str(ROW_ERRORS[c])) for n, m, c in sorted(errors)]


def _read_rows(upload: Any) -> list[tuple[int, str]]:
    """(row number, the mobile cell as text) for each row with something in it; the file checked first."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if upload is None:
        raise field_error("upload", _("Choose an XLSX file."), code=ErrorCode.REQUIRED)
    size = getattr(upload, "size", None)
    if size is not None and size > IMPORT_MAX_BYTES:
        raise field_error("upload", _("The file is larger than %(mb)s MB.") % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)},
                          code=ErrorCode.TOO_LARGE)
    data = upload.read(IMPORT_MAX_BYTES + 1)
    if len(data) > IMPORT_MAX_BYTES:
        raise field_error("upload", _("The file is larger than %(mb)s MB.") % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)},
                          code=ErrorCode.TOO_LARGE)
    if not data:
        raise field_error("upload", _("The file is empty."), code=ErrorCode.FILE_EMPTY)
    if not data.startswith(b"PK"):
        raise field_error("upload", _("This is not an XLSX file: save the sheet as .xlsx and try again."),
                          code=ErrorCode.FILE_TYPE)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
        raise field_error("upload", _("This is not an XLSX file: save the sheet as .xlsx and try again."),
                          code=ErrorCode.FILE_TYPE) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise field_error("upload", _("The file is empty."), code=ErrorCode.FILE_EMPTY)
        column = 0
        rows: list[tuple[int, str]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=20), start=1):
            cells = ["" if v is None else _cell_text(v) for v in values]
            if number == 1:
                header = [c.lower() for c in cells]
                for i, text in enumerate(header):
                    if any(word in text for word in ("手机", "mobile", "phone", "電話", "电话")):
                        column = i
                        break
                if not any(ch.isdigit() for ch in (cells[column] if column < len(cells) else "")):
                    continue  # a header row
            value = cells[column].strip() if column < len(cells) else ""
            if not value:
                continue
            rows.append((number, value[:40]))
            if len(rows) > IMPORT_MAX_ROWS:
                raise field_error("upload", _("At most %(n)s rows can be imported at once: split the file.") % {
                    "n": IMPORT_MAX_ROWS}, code=ErrorCode.TOO_MANY)
    finally:
        workbook.close()
    if not rows:
        raise field_error("upload", _("The file has no mobile numbers."), code=ErrorCode.FILE_EMPTY)
    return rows


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a number typed into a cell: 13800138000.0
    return str(value)


def _users_by_mobile(mobiles: list[str]) -> dict[str, int]:
    """Active accounts by mobile number, in bulk (``accounts.selectors.user_find`` takes one at a time,
    which would be one query per row of a 5,000-row file)."""
    from parkos.accounts.models import User

    found: dict[str, int] = {}
    for start in range(0, len(mobiles), 900):
        chunk = mobiles[start:start + 900]
        found.update((str(mobile), pk) for mobile, pk in
                     User.objects.filter(is_active=True, mobile__in=chunk).values_list("mobile", "pk"))
    return found


def _notify(template: CouponTemplate, result: IssueResult, actor: Any) -> None:
    """Tell each member who got a coupon (after the commit, by the notifications part)."""
    if not result.issued:
        return
    from parkos.accounts.models import User
    from parkos.notifications.services import notification_send

    try:
        url = reverse("rewards:wallet")
    except NoReverseMatch:  # pragma: no cover - the wallet's pages are another part's
        url = ""
    title, body = gettext_lazy("You received a coupon"), f"{template.name} · {Money.format(template.value_fen)}"
    for start in range(0, len(result.issued), 900):
        notification_send(recipients=User.objects.filter(pk__in=result.issued[start:start + 900]), kind="reward",
                          title=title, body=body, url=url, actor=actor)


def people_find(*, values: Iterable[str]) -> tuple[list[int], list[str]]:
    """Members picked by mobile number, e-mail or account id (``accounts.selectors.user_find``), in the order
    given: (their ids, what matched nobody). At most ``MAX_LIST`` values."""
    from parkos.accounts.selectors import user_find

    wanted = [v.strip() for v in values if v and v.strip()]
    if len(wanted) > MAX_LIST:
        raise field_error("mobiles", _("At most %(n)s people can be typed in at once: import a file instead.") % {
            "n": MAX_LIST}, code=ErrorCode.TOO_MANY)
    ids: list[int] = []
    missing: list[str] = []
    for value in dict.fromkeys(wanted):
        user = user_find(value=value)
        if user is None:
            missing.append(value)
        elif user.pk not in ids:
            ids.append(user.pk)
    return ids, missing
