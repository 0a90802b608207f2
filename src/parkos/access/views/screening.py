"""Pages: the member's consent to temperature screening (with their own readings), the operators'
screening page (figures per day, alerts with a "handled" button, the audit log and its export), the
feedback form on a tenant's gate or app, and the tenant's feedback inbox."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from parkos.access.models import App, Gate
from parkos.access.selectors import feedback as feedback_selectors
from parkos.access.selectors import readings as selectors
from parkos.access.services import feedback as feedback_services
from parkos.access.services import readings as services
from parkos.core.exports import table_download
from parkos.core.forms import StyledForm, page_action
from parkos.core.models import Park


def _park(request: HttpRequest) -> Park:
    return request.park  # type: ignore[attr-defined,no-any-return]


# --- the member's consent -----------------------------------------------------------------------------

@login_required
def consent(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        given = request.POST.get("given") == "1"
        success = (_("Thank you: temperature screening is on for your passages.") if given else
                   _("Consent withdrawn: your readings are deleted and no new ones are taken."))
        with page_action(request, success=success):
            services.temperature_consent_set(actor=request.user, given=given)
        return redirect("access:screening_consent")
    pref = services.temperature_consent_of(request.user)
    return render(request, "access/screening/consent.html", {
        "given": bool(pref and pref.temperature_screening),
        "consented_at": pref.temperature_consented_at if pref else None,
        "readings": selectors.own_readings(viewer=request.user),
        "retention_days": services.MAX_RETENTION_DAYS,
    })


# --- the operators' screening page ----------------------------------------------------------------------

class AuditFilter(StyledForm):
    actor = forms.IntegerField(label=gettext_lazy("Reader (account id)"), required=False, min_value=1,
                               max_value=2**63 - 1)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=pgettext_lazy("end of a date range", "To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"actor_id": data.get("actor"), "date_from": data.get("date_from"), "date_to": data.get("date_to")}


def _what_labels() -> dict[str, str]:
    """The audit rows' codes in words (the export keeps the codes: they are what a script filters on)."""
    return {"alert.list": _("Opened the list of alerts"), "alert.view": _("Opened an alert"),
            "alert.resolve": _("Marked an alert handled"), "reading.own": _("Looked at their own readings"),
            "readings.export": _("Downloaded their personal data")}


def _audit_filters(request: HttpRequest) -> tuple[AuditFilter, dict[str, Any]]:
    form = AuditFilter(request.GET or None)
    return form, form.filters() if request.GET else {}


@login_required
def screening(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    figures = selectors.screening_figures(viewer=request.user, park=park, days=7)
    status = request.GET.get("status", "open")
    if status not in selectors.ALERT_STATUSES:
        status = "open"
    alerts = selectors.alert_page(viewer=request.user, park=park, status=status, page=request.GET.get("page"))
    form, filters = _audit_filters(request)
    with page_action(request, form=form) as done:
        audit = selectors.audit_page(viewer=request.user, park=park, page=request.GET.get("audit_page"), **filters)
    if not done:
        audit = selectors.audit_page(viewer=request.user, park=park, page=1)
    labels = _what_labels()
    audit_rows = [(row, labels.get(row.what, row.what)) for row in audit]
    query = {k: v for k, v in request.GET.items() if k in ("actor", "date_from", "date_to") and v}
    return render(request, "access/screening/operator.html", {
        "park": park, "figures": figures, "alerts": alerts, "status": status, "audit": audit, "audit_rows": audit_rows,
        "form": form,
        "statuses": [("open", _("Open")), ("resolved", _("Handled")), ("all", _("All"))],
        "audit_query": urlencode(query), "alert_query": urlencode({"status": status}),
        "consent_percent": round(figures["consent_share"] * 100, 1),
    })


@login_required
def alert(request: HttpRequest, reading_id: int) -> HttpResponse:
    reading = selectors.alert_get(viewer=request.user, reading_id=reading_id)
    return render(request, "access/screening/alert.html", {"reading": reading})


@login_required
@require_POST
def alert_resolve(request: HttpRequest, reading_id: int) -> HttpResponse:
    reading = selectors.alert_get(viewer=request.user, reading_id=reading_id)
    with page_action(request, success=_("The alert is marked handled.")):
        services.alert_resolve(actor=request.user, reading=reading)
    if request.POST.get("next") == "list":
        return redirect("access:screening")
    return redirect("access:screening_alert", reading.pk)



@login_required
def audit_export(request: HttpRequest, fmt: str) -> HttpResponse:
    park = _park(request)
    _form, filters = _audit_filters(request)
    header, rows = selectors.audit_rows(viewer=request.user, park=park, **filters)
    filename = f"{park.code}-sensitive-reads-{timezone.localdate():%Y%m%d}"
    return table_download(header=header, rows=rows, fmt=fmt, filename=filename, sheet="audit")


# --- feedback ---------------------------------------------------------------------------------------------

RATINGS = [(5, "★★★★★"), (4, "★★★★"), (3, "★★★"), (2, "★★"), (1, "★")]


class FeedbackForm(StyledForm):
    rating = forms.TypedChoiceField(label=gettext_lazy("Your rating"), choices=RATINGS, coerce=int,
                                    widget=forms.RadioSelect)
    text = forms.CharField(label=gettext_lazy("What worked, what did not? (optional)"), required=False,
                           max_length=feedback_services.TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4}))


def _feedback_page(request: HttpRequest, *, gate: Gate | None = None, app: App | None = None) -> HttpResponse:
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("Thank you! Your feedback reached the company.")) as done:
            feedback_services.feedback_give(actor=request.user, gate=gate, app=app,
                                            rating=form.cleaned_data["rating"], text=form.cleaned_data["text"])
        if done:
            return redirect(request.path)
    enterprise = gate.vendor_enterprise if gate is not None else app.owner_enterprise  # type: ignore[union-attr]
    return render(request, "access/screening/feedback_form.html", {
        "form": form, "gate": gate, "app": app, "enterprise": enterprise,
    }, status=400 if form.errors else 200)


@login_required
def feedback_new(request: HttpRequest, gate_id: int) -> HttpResponse:
    return _feedback_page(request, gate=feedback_selectors.feedback_gate_get(gate_id=gate_id))


@login_required
def feedback_app_new(request: HttpRequest, app_id: int) -> HttpResponse:
    return _feedback_page(request, app=feedback_selectors.feedback_app_get(app_id=app_id))


@login_required
def feedback_inbox(request: HttpRequest) -> HttpResponse:
    choices = feedback_selectors.feedback_enterprises_of(viewer=request.user)
    wanted = request.GET.get("enterprise", "")
    if wanted.isdigit() and len(wanted) < 19:
        enterprise = feedback_selectors.feedback_enterprise_get(viewer=request.user, enterprise_id=int(wanted))
    elif choices:
        enterprise = choices[0]
    else:
        return render(request, "access/screening/feedback_inbox.html", {"enterprise": None, "choices": []})
    page = Paginator(feedback_selectors.feedback_list(viewer=request.user, enterprise=enterprise), 20) \
        .get_page(request.GET.get("page"))
    return render(request, "access/screening/feedback_inbox.html", {
        "enterprise": enterprise, "choices": choices, "page": page,
        "summary": feedback_selectors.feedback_summary(viewer=request.user, enterprise=enterprise),
        "querystring": urlencode({"enterprise": enterprise.pk}),
    })


urlpatterns: list[URLPattern] = [
    path("screening/consent/", consent, name="screening_consent"),
    path("screening/", screening, name="screening"),
    path("screening/alerts/<int:reading_id>/", alert, name="screening_alert"),
    path("screening/alerts/<int:reading_id>/resolve/", alert_resolve, name="screening_alert_resolve"),
    path("screening/audit.<str:fmt>", audit_export, name="screening_audit_export"),
    path("feedback/gates/<int:gate_id>/", feedback_new, name="feedback_new"),
    path("feedback/apps/<int:app_id>/", feedback_app_new, name="feedback_app_new"),
    path("feedback/", feedback_inbox, name="feedback_inbox"),
]
