"""Pages of the issuing rules (the park's operators): the list, a rule's form, and its page with the
preview of a period, "run now" for a chosen past period, and the history of runs."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.core.errors import DomainError
from parkos.core.forms import page_action
from parkos.core.ledger import Money
from parkos.core.models import Park
from parkos.core.pagination import CappedPaginator
from parkos.rewards.forms_rules import RuleForm, RunForm
from parkos.rewards.models import IssuingRule
from parkos.rewards.selectors import rules as selectors
from parkos.rewards.services import issuing_rules


def _park(request: HttpRequest) -> Park:
    return request.park  # type: ignore[attr-defined,no-any-return]


def _choices(request: HttpRequest, park: Park) -> dict[str, Any]:
    templates = [(t.pk, f"{t.name} · {Money.format(t.value_fen)} · {t.get_status_display()}")
                 for t in selectors.template_choices(viewer=request.user, park=park)]
    return {"templates": templates, "events": selectors.event_choices(viewer=request.user, park=park)}


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    rules = list(selectors.rule_list(viewer=request.user, park=park))
    return render(request, "rewards/rules/list.html", {"rules": rules, "park": park})


@login_required
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    rule = selectors.rule_get(viewer=request.user, rule_id=pk) if pk else None
    park = rule.park if rule is not None else _park(request)
    initial: dict[str, Any] = {} if rule is None else {
        "name": rule.name, "kind": rule.kind, "template": rule.template_id, "period": rule.period,
        "run_weekday": rule.run_weekday, "run_hour": rule.run_hour, "active": rule.active,
        "min_days": (rule.params or {}).get("min_days", 3), "event_ids": (rule.params or {}).get("event_ids", [])}
    form = RuleForm(request.POST or None, initial=initial, **_choices(request, park))
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The rule has been saved.")) as done:
            if rule is None:
                saved = issuing_rules.rule_create(actor=request.user, park=park, **form.service_fields())
            else:
                saved = issuing_rules.rule_update(actor=request.user, rule=rule, **form.service_fields())
        if done:
            return redirect("rewards:rule_detail", saved.pk)
    return render(request, "rewards/rules/form.html", {
        "form": form, "rule": rule, "park": park,
        "title": _("Edit the rule") if rule else _("New issuing rule")}, status=400 if form.errors else 200)


def _periods(rule: IssuingRule) -> list[tuple[str, str]]:
    return [(key, f"{key} ({start:%m-%d}–{end:%m-%d})" if start != end else key)
            for key, start, end in issuing_rules.recent_periods(rule, timezone.now(), 12)]


@login_required
def rule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The rule, the preview of a period (``?period=``; default: the one that just ended), "run now"
    (POST: the run goes to the background; with the immediate task backend it is done by the redirect),
    and the runs."""
    rule = selectors.rule_get(viewer=request.user, rule_id=pk)
    periods = _periods(rule)
    run_form = RunForm(request.POST or None, initial={"period_key": request.GET.get("period") or periods[0][0]})
    if request.method == "POST" and run_form.is_valid():
        chosen = run_form.cleaned_data["period_key"]
        with page_action(request, form=run_form, success=_(
                "The rule is running for %(period)s: its result appears in the runs below.") % {"period": chosen}) as done:
            issuing_rules.rule_run_enqueue(actor=request.user, rule=rule, period_key=chosen)
        if done:
            return redirect(f"{request.path}?period={chosen}")
    preview, preview_error = None, ""
    try:
        preview = issuing_rules.rule_preview(actor=request.user, rule=rule, period_key=request.GET.get("period") or None)
    except DomainError as error:  # a preview only shows why it cannot run; nothing was written
        preview_error = str(error.message)
    runs = CappedPaginator(selectors.run_list(viewer=request.user, rule=rule), 20).get_page(request.GET.get("page"))
    runs.object_list = list(runs.object_list)
    for run in runs.object_list:
        run.cost = Money.format(run.issued_fen)
    return render(request, "rewards/rules/detail.html", {
        "rule": rule, "preview": preview, "preview_error": preview_error, "run_form": run_form, "page": runs,
        "periods": periods, "park": rule.park,
        "querystring": urlencode({"period": preview.period_key}) if preview else ""}, status=400 if run_form.errors else 200)


urlpatterns: list[URLPattern] = [
    path("rules/", rule_list, name="rule_list"),
    path("rules/new/", rule_edit, name="rule_create"),
    path("rules/<int:pk>/", rule_detail, name="rule_detail"),
    path("rules/<int:pk>/edit/", rule_edit, name="rule_edit"),
]
