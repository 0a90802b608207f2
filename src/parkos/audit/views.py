"""The operators' audit log page in the back office: search, a page of entries, and the download (itself
recorded as a read: the file holds who did what)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from parkos.audit import selectors
from parkos.audit.models import AuditEntry
from parkos.audit.services import audit_read, retention_days
from parkos.core import parks, policy
from parkos.core.exports import table_download
from parkos.core.forms import StyledForm, page_action

FILTER_NAMES = ("actor", "kind", "action", "object", "date_from", "date_to", "text", "park")


def _park_choices(viewer: Any) -> list[tuple[str, Any]]:
    where = policy.scope_filter(viewer, policy.OPERATOR)
    visible = parks.park_list() if not where else [p for p in parks.park_list() if p.pk in where["park_id__in"]]
    return [("", gettext_lazy("All my parks")), *[(str(p.pk), p.display_name()) for p in visible]]


class EntryFilterForm(StyledForm):
    actor = forms.CharField(label=gettext_lazy("Who (account id or name)"), required=False, max_length=80)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False,
                             choices=[("", gettext_lazy("All")), *AuditEntry.Kind.choices])
    action = forms.CharField(label=gettext_lazy("Action (code or its start)"), required=False, max_length=80)
    object = forms.CharField(label=gettext_lazy("Object (type:id, id or text)"), required=False, max_length=120)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=pgettext_lazy("end of a date range", "To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(label=gettext_lazy("Text"), required=False, max_length=100)
    park = forms.ChoiceField(label=gettext_lazy("Park"), required=False)

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["park"].choices = _park_choices(viewer)  # type: ignore[attr-defined]

    def filters(self) -> selectors.EntryFilters:
        if not self.is_valid():
            return selectors.EntryFilters()
        d = self.cleaned_data
        return selectors.EntryFilters(
            actor=d["actor"], kind=d["kind"], action=d["action"], object=d["object"], date_from=d["date_from"],
            date_to=d["date_to"], text=d["text"], park_id=int(d["park"]) if d["park"] else None)


def _filters(request: HttpRequest) -> tuple[EntryFilterForm, selectors.EntryFilters, str]:
    form = EntryFilterForm(request.GET or None, viewer=request.user)
    query = urlencode({k: v for k, v in request.GET.items() if k in FILTER_NAMES and v})
    return form, form.filters() if request.GET else selectors.EntryFilters(), query


@login_required
def entries(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "audit.view")  # a refusal is the 403 page, not a form error
    form, filters, query = _filters(request)
    with page_action(request, form=form) as done:
        page = selectors.entry_page(viewer=request.user, filters=filters, page=request.GET.get("page"))
    if not done:
        page = selectors.entry_page(viewer=request.user, page=1)
    return render(request, "audit/entries.html", {
        "form": form, "page": page, "querystring": query,
        "retention_days": retention_days(),
    }, status=400 if form.errors or not done else 200)


@login_required
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _form, filters, _query = _filters(request)
    header, rows = selectors.entry_rows(viewer=request.user, filters=filters)
    audit_read(request, what="audit.export", detail={"format": fmt[:8], "rows": len(rows),
                                                     "filters": {k: v for k, v in request.GET.items()
                                                                 if k in FILTER_NAMES and v}})
    filename = f"audit-log-{timezone.localdate():%Y%m%d}"
    return table_download(header=header, rows=rows, fmt=fmt, filename=filename, sheet="audit")
