"""Reading the audit log: the operators' search (their parks' entries; every entry for a portfolio
operator), a page of it, and the rows of its download."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.audit.models import AuditEntry
from parkos.core import policy
from parkos.core.errors import ErrorCode, Forbidden, field_error
from parkos.core.pagination import CappedPaginator

PER_PAGE = 50
EXPORT_MAX = 50_000


@dataclass(frozen=True)
class EntryFilters:
    """What the operator searches by; empty values do not filter."""

    actor: str = ""  # an account id, or a piece of the name shown then
    kind: str = ""
    action: str = ""  # a code or its start ("catalog." for everything in the catalog)
    object: str = ""  # "type:id" ("accounts.user:5"), an id, or a piece of the object's text
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    text: str = ""  # anywhere in the action, route, path, object or name
    park_id: int | None = None


def _scoped(viewer: Any) -> QuerySet[AuditEntry]:
    policy.require(viewer, "audit.view")
    where = policy.scope_filter(viewer, policy.OPERATOR)
    if where is None:
        raise Forbidden()
    return AuditEntry.objects.filter(**where)


def entry_list(*, viewer: Any, filters: EntryFilters | None = None) -> QuerySet[AuditEntry]:
    """The entries ``viewer`` may read, newest first: an operator's parks' entries (an operator of park A
    never sees park B's), every entry — portfolio-wide ones included — for a portfolio operator."""
    f = filters or EntryFilters()
    qs = _scoped(viewer).select_related("park", "object_type")
    if f.park_id is not None:
        qs = qs.filter(park_id=f.park_id)
    actor = f.actor.strip()
    if actor:
        qs = qs.filter(actor_id=int(actor)) if actor.isdigit() and len(actor) < 19 else \
            qs.filter(actor_name__icontains=actor)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.action.strip():
        qs = qs.filter(action__startswith=f.action.strip())
    obj = f.object.strip()
    if obj:
        label, sep, object_id = obj.rpartition(":")
        if sep and "." in label:
            app_label, _dot, model = label.lower().partition(".")
            qs = qs.filter(object_type__app_label=app_label, object_type__model=model, object_id=object_id)
        elif obj.isdigit():
            qs = qs.filter(object_id=obj)
        else:
            qs = qs.filter(object_repr__icontains=obj)
    if f.date_from is not None and f.date_to is not None and f.date_to < f.date_from:
        raise field_error("date_to", _("The end date is before the start date."), code=ErrorCode.ENDS_BEFORE_START)
    if f.date_from is not None:
        qs = qs.filter(at__gte=timezone.make_aware(dt.datetime.combine(f.date_from, dt.time.min)))
    if f.date_to is not None:
        qs = qs.filter(at__lt=timezone.make_aware(dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time.min)))
    text = f.text.strip()
    if text:
        qs = qs.filter(Q(action__icontains=text) | Q(route__icontains=text) | Q(path__icontains=text)
                       | Q(object_repr__icontains=text) | Q(actor_name__icontains=text))
    return qs.order_by("-at", "-id")


def entry_page(*, viewer: Any, filters: EntryFilters | None = None, page: Any = 1) -> Page[AuditEntry]:
    return CappedPaginator(entry_list(viewer=viewer, filters=filters), PER_PAGE).get_page(page)


def entry_rows(*, viewer: Any, filters: EntryFilters | None = None) -> tuple[list[str], list[list[Any]]]:
    """The entries as a header and rows for CSV or XLSX (at most 50,000: narrow by date). Codes stay codes:
    they are what a script filters on."""
    header = [_("Time"), _("Who"), _("Roles"), _("Park"), _("Kind"), _("Action"), _("Object type"), _("Object id"),
              _("Object"), _("Method"), _("Route"), _("Path"), _("IP address"), _("Request id")]
    rows = []
    for e in entry_list(viewer=viewer, filters=filters)[:EXPORT_MAX]:
        rows.append([timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.actor_name,
                     " ".join(e.actor_roles or []), e.park.code if e.park else "", e.kind, e.action,
                     e.object_type.natural_key()[0] + "." + e.object_type.model if e.object_type else "",
                     e.object_id, e.object_repr, e.method, e.route, e.path, e.ip or "", e.request_id])
    return [str(h) for h in header], rows

