"""Pages: introductions through the park (the list by scope, asking, one introduction with the step each
side may take) and the investor's private pipeline (a board by stage, moves and private notes). They call
the same services and selectors as the API."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.audit.services import audit_read
from parkos.core import policy
from parkos.core.forms import page_action
from parkos.network.forms_intros import (
    CloseForm,
    IntroductionAskForm,
    PassOnForm,
    PipelineAddForm,
)
from parkos.network.models import Direction, IntroductionStatus, Investor
from parkos.network.selectors import introductions as selectors
from parkos.network.selectors import pipeline as pipeline_selectors
from parkos.network.services import introductions as services
from parkos.network.services import pipeline as pipeline_services

TARGETS_SHOWN = 500


def _admin_enterprise(user: Any) -> Any:
    from parkos.enterprises.models import Enterprise
    from parkos.enterprises.selectors import enterprise_ids_of

    return Enterprise.objects.filter(pk__in=enterprise_ids_of(user, admin=True), is_active=True).first()


def _enterprise_choices(request: HttpRequest) -> list[tuple[int, str]]:
    from parkos.enterprises.models import Enterprise

    park = request.park  # type: ignore[attr-defined]
    return list(Enterprise.objects.filter(park=park, is_active=True).order_by("name")
                .values_list("pk", "name")[:TARGETS_SHOWN])


def _investor_choices() -> list[tuple[int, str]]:
    rows = (Investor.objects.filter(is_listed=True, accepts_introductions=True, user__is_active=True)
            .select_related("user", "fund").order_by("user__display_name")[:TARGETS_SHOWN])
    return [(i.pk, f"{i.user.display_name}{' · ' + i.fund.name_zh if i.fund else ''}") for i in rows]


@login_required
def introduction_list(request: HttpRequest) -> HttpResponse:
    scope = request.GET.get("scope", "")
    scope = scope if scope in selectors.SCOPES else ""
    rows = list(selectors.introduction_list(viewer=request.user, scope=scope)[:200])
    return render(request, "network/introductions/list.html", {
        "rows": rows, "scope": scope, "is_investor": pipeline_services.investor_of(request.user) is not None,
        "admin_enterprise": _admin_enterprise(request.user),
        "is_park": bool(policy.role_parks(request.user, policy.BUTLER) or policy.role_parks(request.user, policy.OPERATOR))})


@login_required
def introduction_ask(request: HttpRequest) -> HttpResponse:
    """Ask as the investor (``?enterprise=``) or as the admin of one's enterprise (``?investor=``)."""
    from parkos.enterprises.selectors import enterprise_get

    investor = pipeline_services.investor_of(request.user)
    admin_of = _admin_enterprise(request.user)
    as_investor = investor is not None and (request.GET.get("as") != "enterprise" or admin_of is None)
    if investor is not None and as_investor:
        targets, label = _enterprise_choices(request), _("Enterprise")
        initial = request.GET.get("enterprise")
    elif admin_of is not None:
        targets, label = _investor_choices(), _("Investor")
        initial = request.GET.get("investor")
    else:
        return render(request, "network/introductions/ask.html", {"form": None}, status=403)
    form = IntroductionAskForm(request.POST or None, targets=targets, target_label=label,
                               initial={"target": initial} if initial else None)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["target"]
        with page_action(request, form=form, success=_("Your request has gone to the park's butler.")) as done:
            if investor is not None and as_investor:
                enterprise, chosen = enterprise_get(viewer=request.user, enterprise_id=target), investor
            else:
                # The choices offered are listed investors; the service re-checks that they take introductions.
                enterprise, chosen = admin_of, Investor.objects.select_related("user").get(pk=target)
            intro, _created = services.introduction_ask(actor=request.user, enterprise=enterprise, investor=chosen,
                                                        message=form.cleaned_data["message"],
                                                        idempotency_key=form.cleaned_data["idempotency_key"])
        if done:
            return redirect("network:introductions_detail", intro.pk)
    return render(request, "network/introductions/ask.html", {"form": form, "as_investor": as_investor,
                                                                "enterprise": admin_of},
                  status=400 if request.method == "POST" else 200)


def _detail_page(request: HttpRequest, intro: Any, *, pass_form: Any = None, close_form: Any = None,
                 status: int = 200) -> HttpResponse:
    relations = policy.relations_of(request.user, intro)
    may_broker = intro.is_open and policy.can(request.user, "network.intro.broker", intro, relations=relations)
    if intro.status == IntroductionStatus.ACCEPTED:  # the two sides' contacts are shown from then on
        audit_read(request, what="network.introduction.contacts", subject=intro)
    response = render(request, "network/introductions/detail.html", {
        "intro": intro, "contacts": selectors.introduction_contacts(viewer=request.user, intro=intro),
        "may_broker": may_broker and intro.status == IntroductionStatus.REQUESTED,
        "may_close": may_broker,
        "may_answer": intro.status == IntroductionStatus.OFFERED
        and policy.can(request.user, "network.intro.answer", intro, relations=relations),
        "may_withdraw": intro.is_open and intro.requested_by_id == request.user.pk,
        "is_requester": intro.requested_by_id == request.user.pk,
        "enterprise_asks": intro.direction == Direction.ENTERPRISE_ASKS,
        "pass_form": pass_form or PassOnForm(), "close_form": close_form or CloseForm()}, status=status)
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
def introduction_detail(request: HttpRequest, intro_id: int) -> HttpResponse:
    return _detail_page(request, selectors.introduction_get(viewer=request.user, intro_id=intro_id))


@login_required
@require_POST
def introduction_pass_on(request: HttpRequest, intro_id: int) -> HttpResponse:
    intro = selectors.introduction_get(viewer=request.user, intro_id=intro_id)
    form = PassOnForm(request.POST)
    if form.is_valid():
        with page_action(request, form=form, success=_("Passed on: the other side has been asked.")) as done:
            services.introduction_pass_on(actor=request.user, intro=intro, note=form.cleaned_data["note"])
        if done:
            return redirect("network:introductions_detail", intro.pk)
    return _detail_page(request, intro, pass_form=form, status=400)


@login_required
@require_POST
def introduction_close(request: HttpRequest, intro_id: int) -> HttpResponse:
    intro = selectors.introduction_get(viewer=request.user, intro_id=intro_id)
    form = CloseForm(request.POST)
    if form.is_valid():
        with page_action(request, form=form, success=_("Closed; the requester has been told why.")) as done:
            services.introduction_close(actor=request.user, intro=intro, reason=form.cleaned_data["reason"])
        if done:
            return redirect("network:introductions_detail", intro.pk)
    return _detail_page(request, intro, close_form=form, status=400)


@login_required
@require_POST
def introduction_answer(request: HttpRequest, intro_id: int) -> HttpResponse:
    intro = selectors.introduction_get(viewer=request.user, intro_id=intro_id)
    accept = request.POST.get("answer") == "accept"
    with page_action(request, success=_("Accepted: you can now see each other's contacts.") if accept
                     else _("Declined. No reason is passed on.")):
        services.introduction_answer(actor=request.user, intro=intro, accept=accept)
    return redirect("network:introductions_detail", intro.pk)


@login_required
@require_POST
def introduction_withdraw(request: HttpRequest, intro_id: int) -> HttpResponse:
    intro = selectors.introduction_get(viewer=request.user, intro_id=intro_id)
    with page_action(request, success=_("Withdrawn.")):
        services.introduction_withdraw(actor=request.user, intro=intro)
    return redirect("network:introductions_detail", intro.pk)


# --- the investor's pipeline -------------------------------------------------------------------------------

@login_required
def pipeline_board(request: HttpRequest) -> HttpResponse:
    """The investor's board by stage (nothing for anyone else: their own pipeline is empty)."""
    investor = pipeline_services.investor_of(request.user)
    board = pipeline_selectors.pipeline_board(viewer=request.user)
    add_form = PipelineAddForm(enterprises=_enterprise_choices(request)) if investor is not None else None
    response = render(request, "network/pipeline/board.html", {
        "board": board, "investor": investor, "add_form": add_form,
        "total": sum(len(entries) for _v, _l, entries in board)})
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
@require_POST
def pipeline_add(request: HttpRequest) -> HttpResponse:
    from parkos.enterprises.selectors import enterprise_get

    form = PipelineAddForm(request.POST, enterprises=_enterprise_choices(request))
    if form.is_valid():
        with page_action(request, success=_("Added to your pipeline.")):
            enterprise = enterprise_get(viewer=request.user, enterprise_id=form.cleaned_data["enterprise"])
            pipeline_services.pipeline_add(actor=request.user, enterprise=enterprise, note=form.cleaned_data["note"])
    else:
        from django.contrib import messages

        messages.error(request, _("Choose an enterprise."))
    return redirect("network:pipeline_board")


@login_required
@require_POST
def pipeline_update(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = pipeline_selectors.pipeline_get(viewer=request.user, entry_id=entry_id)
    with page_action(request, success=_("Saved.")):
        note = request.POST.get("note") if "note" in request.POST else None
        pipeline_services.pipeline_update(actor=request.user, entry=entry, stage=request.POST.get("stage"), note=note)
    return redirect(f"/network/pipeline/#entry-{entry.pk}")


@login_required
@require_POST
def pipeline_remove(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = pipeline_selectors.pipeline_get(viewer=request.user, entry_id=entry_id)
    with page_action(request, success=_("Removed from your pipeline.")):
        pipeline_services.pipeline_remove(actor=request.user, entry=entry)
    return redirect("network:pipeline_board")


urlpatterns: list[URLPattern] = [
    path("introductions/", introduction_list, name="introductions_list"),
    path("introductions/ask/", introduction_ask, name="introductions_ask"),
    path("introductions/<int:intro_id>/", introduction_detail, name="introductions_detail"),
    path("introductions/<int:intro_id>/pass-on/", introduction_pass_on, name="introductions_pass_on"),
    path("introductions/<int:intro_id>/close/", introduction_close, name="introductions_close"),
    path("introductions/<int:intro_id>/answer/", introduction_answer, name="introductions_answer"),
    path("introductions/<int:intro_id>/withdraw/", introduction_withdraw, name="introductions_withdraw"),
    path("pipeline/", pipeline_board, name="pipeline_board"),
    path("pipeline/add/", pipeline_add, name="pipeline_add"),
    path("pipeline/<int:entry_id>/", pipeline_update, name="pipeline_update"),
    path("pipeline/<int:entry_id>/remove/", pipeline_remove, name="pipeline_remove"),
]
