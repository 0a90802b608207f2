"""Pages of the scene board, thin over services and selectors."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from parkos.accounts.models import User
from parkos.core import policy
from parkos.core.forms import page_action
from parkos.core.models import Park
from parkos.core.pagination import CappedPaginator
from parkos.core.parks import park_param
from parkos.enterprises.selectors import employer_of, industry_list
from parkos.scenes import machine, selectors, services
from parkos.scenes.forms import (
    AcceptForm,
    AttachmentForm,
    InviteForm,
    MessageForm,
    ReasonForm,
    ResolveForm,
    ResponseForm,
    ReviewForm,
    SceneForm,
)
from parkos.scenes.models import DEAL_COLLEAGUE, Deal, Response, Scene

PAGE_SIZE = 20

# What each action did, flashed after it (never a bare "Done."): lazy, read in the viewer's language.
SCENE_DONE: dict[str, Any] = {
    "publish": gettext_lazy("Your scene is published and open for responses."),
    "close": gettext_lazy("The scene no longer takes responses. You can still accept a proposal."),
    "reopen": gettext_lazy("The scene takes responses again."),
    "cancel": gettext_lazy("The scene is cancelled."),
    "complete": gettext_lazy("The scene is marked completed."),
}
RESPONSE_DONE: dict[str, Any] = {
    "shortlist": gettext_lazy("The proposal is on your shortlist."),
    "unshortlist": gettext_lazy("The proposal is off your shortlist."),
    "decline": gettext_lazy("The proposal is declined. The responder is told."),
    "withdraw": gettext_lazy("Your proposal is withdrawn."),
}
MILESTONE_DONE: dict[str, Any] = {
    "deliver": gettext_lazy("Delivery confirmed: waiting for the publisher to accept the work."),
    "accept": gettext_lazy("Work accepted. Mark it paid once you have paid."),
    "return": gettext_lazy("Returned for changes: the provider is told."),
    "mark_paid": gettext_lazy("Marked as paid: waiting for the other party to confirm receipt."),
    "confirm_paid": gettext_lazy("Payment confirmed as received."),
    "reject_paid": gettext_lazy("The payer is told the payment has not arrived."),
}
DEAL_DONE: dict[str, Any] = {
    "request_cancel": gettext_lazy("Cancellation requested: waiting for the other party to agree."),
    "agree_cancel": gettext_lazy("The deal is cancelled by agreement."),
    "withdraw_cancel": gettext_lazy("The deal goes on."),
    "dispute": gettext_lazy("Dispute opened: the park's operators will look into it."),
    "resolve": gettext_lazy("The dispute is resolved."),
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _page(request: HttpRequest, qs: Any, size: int = PAGE_SIZE) -> Any:
    return Paginator(qs, size).get_page(request.GET.get("page"))


ALL_PARKS = "all"


def _board_park(request: HttpRequest) -> Park | None:
    """The park the board shows: the current park by default, ``?park=all`` every park, ``?park=<code>``
    one park (unknown: not found)."""
    choice = request.GET.get("park", "")
    if choice == ALL_PARKS:
        return None
    return park_param(choice) or request.park  # type: ignore[attr-defined]


def board(request: HttpRequest) -> HttpResponse:
    """The board counts at most 50 pages: the completed scenes of a busy park number 100,000s. It shows
    the current park's scenes and says so, with one click to every park of the portfolio."""
    # Filters of a query, never stored: a longer value is cut, not refused.
    filters = {key: request.GET.get(key, "")[:40] for key in ("q", "kind", "industry", "status", "budget_min",
                                                              "budget_max")}
    park = _board_park(request)
    qs = selectors.scene_board(viewer=request.user, park=park, **filters)
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    park_choice = ALL_PARKS if park is None else park.code
    set_filters = {k: v for k, v in filters.items() if v}
    context = {
        "page": page, "filters": filters, "kinds": Scene.Kind.choices, "board_park": park,
        "park_choice": park_choice,
        "all_parks_query": urlencode({**set_filters, "park": ALL_PARKS}), "this_park_query": urlencode(set_filters),
        "statuses": [(s, label) for s, label in Scene.Status.choices if s in selectors.BOARD_STATUSES],
        "industries": industry_list().filter(parent__isnull=True),
        "querystring": urlencode({**set_filters, **({"park": park_choice} if request.GET.get("park") else {})}),
    }
    template = "scenes/_board_results.html" if getattr(request, "htmx", False) else "scenes/board.html"
    return render(request, template, context)


@login_required
def create(request: HttpRequest) -> HttpResponse:
    enterprise = employer_of(request.user)
    form = SceneForm(request.POST or None, can_publish_for_enterprise=enterprise is not None,
                     initial={"audience": Scene.Audience.ANYONE})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        as_enterprise = data.pop("as_enterprise", False)
        with page_action(request, form=form) as done:
            scene = services.scene_create(actor=_user(request), data=data,
                                          enterprise=enterprise if as_enterprise else None,
                                          publish="publish" in request.POST,
                                          park=request.park)  # type: ignore[attr-defined]
        if done:
            messages.success(request, _("Your scene is published.") if scene.status == Scene.Status.OPEN
                             else _("Your draft is saved. Publish it when it is ready."))
            return redirect("scenes:detail", scene.pk)
    return render(request, "scenes/form.html", {"form": form, "title": _("Publish a scene"), "creating": True},
                  status=400 if form.errors else 200)


@login_required
def edit(request: HttpRequest, scene_id: int) -> HttpResponse:
    scene = selectors.scene_get(viewer=request.user, scene_id=scene_id)
    policy.require(request.user, "scene.edit", scene)
    initial = {f: getattr(scene, f) for f in ("kind", "title", "description", "reward_text", "deadline", "audience")}
    initial.update(industry=scene.industry_id, budget=(scene.budget_fen / 100 if scene.budget_fen is not None
                                                       else None))
    form = SceneForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("Saved.")) as done:
            services.scene_update(actor=_user(request), scene=scene, data=form.cleaned_data)
        if done:
            return redirect("scenes:detail", scene.pk)
    return render(request, "scenes/form.html", {"form": form, "title": _("Edit the scene"), "scene": scene},
                  status=400 if form.errors else 200)


def detail(request: HttpRequest, scene_id: int) -> HttpResponse:
    scene = selectors.scene_get(viewer=request.user, scene_id=scene_id)
    is_publisher = policy.can(request.user, "scene.responses.manage", scene)
    can_edit = policy.can(request.user, "scene.edit", scene)
    may_respond, why_not = services.may_respond(scene, request.user)
    mine = selectors.response_of(viewer=request.user, scene=scene)
    context: dict[str, Any] = {
        "scene": scene, "attachments": selectors.attachment_list(viewer=request.user, scene=scene),
        "is_publisher": is_publisher, "can_edit": can_edit, "my_response": mine,
        "may_respond": may_respond and mine is None, "why_not": why_not if mine is None else "",
        "response_form": ResponseForm(initial={"as_enterprise": scene.audience == Scene.Audience.ENTERPRISES}),
        "scene_actions": machine.scene_actions(scene, request.user), "buttons": machine.BUTTON_LABELS,
        "scene_deals": selectors.scene_deal_list(viewer=request.user, scene=scene),
    }
    if can_edit:
        context.update(attachment_form=AttachmentForm(), invite_form=InviteForm(),
                       invited=scene.invited.all() if scene.audience == Scene.Audience.INVITED else [])
    if is_publisher or policy.can(request.user, "scene.responses.view", scene):
        context["responses"] = selectors.response_list(viewer=request.user, scene=scene)
    return render(request, "scenes/detail.html", context)


@login_required
@require_POST
def scene_action(request: HttpRequest, scene_id: int, action: str) -> HttpResponse:
    scene = selectors.scene_get(viewer=request.user, scene_id=scene_id)
    with page_action(request, success=SCENE_DONE.get(action)):
        services.scene_transition(actor=_user(request), scene=scene, action=action)
    return redirect("scenes:detail", scene.pk)


@login_required
@require_POST
def attachment_upload(request: HttpRequest, scene_id: int) -> HttpResponse:
    scene = selectors.scene_get(viewer=request.user, scene_id=scene_id)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        with page_action(request, success=_("The file is attached.")):
            services.attachment_add(actor=_user(request), scene=scene, upload=form.cleaned_data["file"])
    else:
        messages.error(request, _("Choose a file to attach."))
    return redirect("scenes:detail", scene.pk)


def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = selectors.attachment_get(viewer=request.user, attachment_id=attachment_id)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def invite(request: HttpRequest, scene_id: int) -> HttpResponse:
    scene = selectors.scene_get(viewer=request.user, scene_id=scene_id)
    form = InviteForm(request.POST)
    if form.is_valid():
        emails = {e.strip().lower() for e in form.cleaned_data["emails"].replace("，", ",").split(",") if e.strip()}
        users = list(User.objects.filter(email__in=emails, is_active=True)) if emails else []
        with page_action(request, success=_("%(n)d member(s) invited.") % {"n": len(users)}):
            services.scene_invite(actor=_user(request), scene=scene, users=users)
    return redirect("scenes:detail", scene.pk)


@login_required
@require_POST
def respond(request: HttpRequest, scene_id: int) -> HttpResponse:
    scene = selectors.scene_get(viewer=request.user, scene_id=scene_id)
    form = ResponseForm(request.POST)
    if form.is_valid():
        with page_action(request, form=form, success=_("Your proposal has been sent to the publisher.")) as done:
            response = services.response_submit(actor=_user(request), scene=scene, data=form.cleaned_data)
        if done:
            return redirect("scenes:response", response.pk)
    may_respond, why_not = services.may_respond(scene, request.user)
    return render(request, "scenes/detail.html", {
        "scene": scene, "attachments": selectors.attachment_list(viewer=request.user, scene=scene),
        "response_form": form, "may_respond": may_respond, "why_not": why_not,
    }, status=400)


def _response_context(request: HttpRequest, response: Response, **extra: Any) -> dict[str, Any]:
    is_publisher = policy.can(request.user, "scene.responses.manage", response)
    actions = machine.response_actions(response, request.user)
    deal = Deal.objects.filter(response=response).only("pk", "status").first()
    return {
        "response": response, "scene": response.scene, "is_publisher": is_publisher, "actions": actions,
        "buttons": machine.BUTTON_LABELS,
        "thread": selectors.message_list(viewer=request.user, response=response)
        if policy.can(request.user, "scene.thread", response) else [],
        "message_form": extra.pop("message_form", MessageForm()), "deal": deal,
        "can_accept": is_publisher and deal is None and response.status in (Response.Status.SUBMITTED,
                                                                             Response.Status.SHORTLISTED),
        **extra,
    }


@login_required
def response_detail(request: HttpRequest, response_id: int) -> HttpResponse:
    response = selectors.response_get(viewer=request.user, response_id=response_id)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form) as done:
            services.message_post(actor=_user(request), response=response, body=form.cleaned_data["body"])
        if done:
            if getattr(request, "htmx", False):
                return render(request, "scenes/_thread.html", _response_context(request, response))
            return redirect("scenes:response", response.pk)
    return render(request, "scenes/response.html", _response_context(request, response, message_form=form),
                  status=400 if form.errors else 200)


@login_required
@require_POST
def response_action(request: HttpRequest, response_id: int, action: str) -> HttpResponse:
    response = selectors.response_get(viewer=request.user, response_id=response_id)
    with page_action(request, success=RESPONSE_DONE.get(action)):
        services.response_transition(actor=_user(request), response=response, action=action)
    return redirect("scenes:response", response.pk)


@login_required
def accept(request: HttpRequest, response_id: int) -> HttpResponse:
    response = selectors.response_get(viewer=request.user, response_id=response_id)
    policy.require(request.user, "scene.responses.manage", response.scene)
    price = response.price_fen / 100 if response.price_fen is not None else None
    form = AcceptForm(request.POST or None, initial={"amount": price, "m1_amount": price, "key": uuid.uuid4().hex,
                                                     "m1_title": _("Delivery")})
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form) as done:
            deal = services.response_accept(actor=_user(request), response=response,
                                            amount=form.cleaned_data["amount"], milestones=form.milestones(),
                                            key=form.cleaned_data.get("key") or None)
            done.success = _("Proposal accepted: deal #%(number)d is made. Both of you follow it here.") % {
                "number": deal.pk}
        if done:
            return redirect("scenes:deal", deal.pk)
    return render(request, "scenes/accept.html", {"form": form, "response": response, "scene": response.scene},
                  status=400 if form.errors else 200)


def _deal_context(request: HttpRequest, deal: Deal, **extra: Any) -> dict[str, Any]:
    user = request.user
    may_resolve = policy.can(user, "deal.resolve", deal)
    milestones = list(deal.milestones.all())
    role = machine.role_of(deal, user)
    reviews = list(selectors.review_list(deal=deal))
    deal_actions = machine.allowed_deal_actions(deal, user)
    failed, refused_form = extra.get("failed_action"), extra.pop("reason_form", None)
    return {
        "deal": deal, "milestones": [(m, machine.allowed_milestone_actions(deal, m, user)) for m in milestones],
        "buttons": machine.BUTTON_LABELS, "side": machine.side_of(deal, user),
        # a colleague of a party follows the deal read-only (scenes/__init__.py)
        "follows_for_enterprise": role is None and machine.side_of(deal, user) is None
        and DEAL_COLLEAGUE in policy.relations_of(user, deal),
        "deal_actions": deal_actions,
        # each action's own reason form: a refused one comes back with its errors, the others blank
        "reason_forms": {a: refused_form if refused_form is not None and a == failed else ReasonForm()
                         for a in deal_actions},
        "timeline": selectors.deal_timeline(viewer=user, deal=deal), "labels": machine.ACTION_LABELS,
        "role": role, "reviews": reviews, "key": uuid.uuid4().hex,
        "can_review": policy.can(user, "deal.review", deal) and deal.is_closed
        and not any(r.author_id == user.pk for r in reviews),
        "resolve_form": extra.pop("resolve_form", ResolveForm()) if may_resolve and deal.status == Deal.Status.DISPUTED
        else None,
        "review_form": extra.pop("review_form", ReviewForm()),
        **extra,
    }


@login_required
def deal_detail(request: HttpRequest, deal_id: int) -> HttpResponse:
    deal = selectors.deal_get(viewer=request.user, deal_id=deal_id)
    return render(request, "scenes/deal.html", _deal_context(request, deal))


@login_required
@require_POST
def deal_action(request: HttpRequest, deal_id: int, action: str) -> HttpResponse:
    deal = selectors.deal_get(viewer=request.user, deal_id=deal_id)
    form: ReasonForm | ResolveForm = ResolveForm(request.POST) if action == "resolve" else ReasonForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with page_action(request, form=form, success=DEAL_DONE.get(action)) as done:
            services.deal_act(actor=_user(request), deal=deal, action=action, reason=data.get("reason", ""),
                              key=data.get("key") or None, resolution=data.get("resolution", ""),
                              settled=data.get("settled"))
        if done:
            return redirect("scenes:deal", deal.pk)
    deal = selectors.deal_get(viewer=request.user, deal_id=deal_id)
    extra: dict[str, Any] = {"resolve_form": form} if action == "resolve" else {"reason_form": form}
    return render(request, "scenes/deal.html", _deal_context(request, deal, failed_action=action, **extra), status=400)


@login_required
@require_POST
def milestone_action(request: HttpRequest, deal_id: int, milestone_id: int, action: str) -> HttpResponse:
    deal = selectors.deal_get(viewer=request.user, deal_id=deal_id)
    with page_action(request, success=MILESTONE_DONE.get(action)) as done:
        services.milestone_act(actor=_user(request), deal=deal, milestone_id=milestone_id, action=action,
                               note=request.POST.get("note", ""), key=request.POST.get("key") or None)
        if action == "confirm_paid" and Deal.objects.filter(pk=deal.pk, status=Deal.Status.COMPLETED).exists():
            done.success = _("Payment confirmed as received. Every milestone is done: the deal is completed.")
    return redirect("scenes:deal", deal.pk)


@login_required
@require_POST
def review(request: HttpRequest, deal_id: int) -> HttpResponse:
    deal = selectors.deal_get(viewer=request.user, deal_id=deal_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        with page_action(request, form=form, success=_("Thank you for your review.")) as done:
            services.review_submit(actor=_user(request), deal=deal, rating=form.cleaned_data["rating"],
                                   text=form.cleaned_data["text"])
        if done:
            return redirect("scenes:deal", deal.pk)
    return render(request, "scenes/deal.html", _deal_context(request, deal, review_form=form), status=400)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The publisher's dashboard: my scenes, responses waiting for me, my deals as publisher."""
    user = request.user
    return render(request, "scenes/mine.html", {
        "scenes": _page(request, selectors.scenes_mine(viewer=user)),
        "to_review": selectors.responses_to_review(viewer=user)[:20],
        "deals": selectors.deal_list(viewer=user, role="publisher")[:10],
        "reputation": selectors.reputation_get(user),
    })


@login_required
def proposals(request: HttpRequest) -> HttpResponse:
    """The responder's dashboard: my proposals and my deals as provider."""
    user = request.user
    return render(request, "scenes/proposals.html", {
        "page": _page(request, selectors.responses_mine(viewer=user)),
        "deals": selectors.deal_list(viewer=user, role="provider")[:10],
        "reputation": selectors.reputation_get(user),
    })


@login_required
def deals(request: HttpRequest) -> HttpResponse:
    role = request.GET.get("role", "")
    status = request.GET.get("status", "")
    qs = selectors.deal_list(viewer=request.user, role=role if role in ("publisher", "provider", "enterprise") else "",
                             status=status)
    return render(request, "scenes/deals.html", {
        "page": _page(request, qs), "role": role, "status": status, "statuses": Deal.Status.choices,
        "querystring": urlencode({k: v for k, v in (("role", role), ("status", status)) if v}),
    })


@login_required
def disputes(request: HttpRequest) -> HttpResponse:
    """The disputes of the parks the operator operates (a portfolio operator: every park), ``?park=`` one."""
    park = park_param(request.GET.get("park"))
    return render(request, "scenes/disputes.html", {
        "page": _page(request, selectors.deal_disputes(viewer=request.user, park=park)), "disputes_park": park,
    })

