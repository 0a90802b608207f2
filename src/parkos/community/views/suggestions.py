"""Pages of suggestions to the park: the public board, a suggestion with its public timeline, the
submit form, and the operators' reply queue and settings."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.community.forms_civic import (
    ProgressForm,
    ReplyForm,
    ReportForm,
    SuggestionForm,
    SuggestionSettingsForm,
    TransitionForm,
)
from parkos.community.models import SuggestionCategory, SuggestionSettings, SuggestionState
from parkos.community.selectors import suggestions as selectors
from parkos.community.services import suggestions as services
from parkos.core import policy, workdays
from parkos.core.forms import page_action

PAGE_SIZE = 20


def board(request: HttpRequest) -> HttpResponse:
    """The public board: figures, then the list with filters and sort (anyone may read it)."""
    filters = {key: request.GET.get(key, "") for key in ("state", "category", "sort")}
    sort = filters["sort"] if filters["sort"] in selectors.SORTS else "support"
    overdue = request.GET.get("overdue") == "1"
    park = request.park  # type: ignore[attr-defined]  # each park has its board; the page says which
    qs = selectors.suggestion_list(viewer=request.user, state=filters["state"], category=filters["category"],
                                   sort=sort, overdue=overdue, park=park)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    supported = selectors.supported_ids(viewer=request.user, suggestion_ids=[s.pk for s in items])
    query = {k: v for k, v in filters.items() if v}
    if overdue:
        query["overdue"] = "1"
    context: dict[str, Any] = {
        "page": page, "items": items, "supported": supported, "filters": filters, "sort": sort, "overdue": overdue,
        "stats": selectors.suggestion_board_stats(viewer=request.user, park=park), "board_park": park,
        "states": SuggestionState.choices, "categories": SuggestionCategory.choices,
        "querystring": urlencode(query),
        "can_answer": policy.can(request.user, "community.suggestion.answer"),
    }
    if getattr(request, "htmx", False) and request.GET.get("partial") == "list":
        return render(request, "community/suggestion_list_items.html", context)
    return render(request, "community/suggestion_board.html", context)


@login_required
def create(request: HttpRequest) -> HttpResponse:
    form = SuggestionForm(request.POST or None, park=request.park)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form,
                         success=_("Thank you. Your suggestion was received and is public on the board.")) as done:
            data = dict(form.cleaned_data)
            park = data.pop("park", "") or request.park  # type: ignore[attr-defined]
            s = services.suggestion_create(actor=request.user, park=park, **data)
        if done:
            return redirect("community:suggestion", s.pk)
    return render(request, "community/suggestion_form.html", {"form": form})


def _clock(s: Any) -> dict[str, Any] | None:
    """What the reply clock shows: due date, working days left (negative when late), settled or not."""
    if s.reply_due is None:
        return None
    from django.utils import timezone

    today = timezone.localdate()
    if s.first_reply_at is not None:
        return {"due": s.reply_due, "answered": s.first_reply_at, "left": None, "overdue": False}
    left = workdays.workdays_between(today, s.reply_due) if s.reply_due >= today else -workdays.workdays_between(
        s.reply_due, today)
    return {"due": s.reply_due, "answered": None, "left": left, "overdue": today > s.reply_due}


def detail(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    s = selectors.suggestion_get(viewer=request.user, suggestion_id=suggestion_id)
    timeline = selectors.suggestion_timeline(viewer=request.user, suggestion=s)
    can_answer = policy.can(request.user, "community.suggestion.answer", s)  # this suggestion's park's operators
    allowed = services.allowed_transitions(s.state)
    context: dict[str, Any] = {
        "s": s, "timeline": timeline, "clock": _clock(s), "can_answer": can_answer,
        "supported": s.pk in selectors.supported_ids(viewer=request.user, suggestion_ids=[s.pk]),
        "can_support": (request.user.is_authenticated and request.user.pk != s.author_id
                        and s.state in services.OPEN_STATES),
        "threshold": SuggestionSettings.load().support_threshold,
        "report_form": ReportForm(initial={"kind": "suggestion", "target_id": s.pk}),
    }
    if can_answer:
        context.update(transition_form=TransitionForm(allowed=allowed) if allowed else None, reply_form=ReplyForm(),
                       progress_form=ProgressForm(initial={"percent": s.progress}) if s.state in
                       services.PROGRESS_STATES else None)
    return render(request, "community/suggestion_detail.html", context)


@login_required
@require_POST
def support(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    s = selectors.suggestion_get(viewer=request.user, suggestion_id=suggestion_id)
    htmx = bool(getattr(request, "htmx", False))
    # htmx swaps the answer in place: an error is the response itself, not a message for the next page.
    with page_action(request, form=forms.Form() if htmx else None) as action:
        if request.POST.get("action") == "withdraw":
            services.suggestion_withdraw(actor=request.user, suggestion=s)
        else:
            services.suggestion_support(actor=request.user, suggestion=s)
    if htmx and action.error is not None:
        return HttpResponse(str(action.error.message), status=action.error.status)
    if htmx:
        supported = s.pk in selectors.supported_ids(viewer=request.user, suggestion_ids=[s.pk])
        return render(request, "community/suggestion_support.html", {"s": s, "supported": supported,
                                                                       "can_support": True})
    return redirect("community:suggestion", s.pk)


def _operator_post(request: HttpRequest, suggestion_id: int, form: Any, call: Any) -> HttpResponse:
    s = selectors.suggestion_get(viewer=request.user, suggestion_id=suggestion_id)
    if form.is_valid():
        with page_action(request, success=_("Saved. The author and supporters are notified.")):
            call(s, form.cleaned_data)
    else:
        messages.error(request, " ".join(str(m) for errs in form.errors.values() for m in errs))
    return redirect("community:suggestion", s.pk)


@login_required
@require_POST
def transition(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    policy.require(request.user, "community.suggestion.answer")
    return _operator_post(request, suggestion_id, TransitionForm(request.POST), lambda s, d: services.
                          suggestion_transition(actor=request.user, suggestion=s, to_state=d["to_state"],
                                                reply=d["reply"]))


@login_required
@require_POST
def reply(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    policy.require(request.user, "community.suggestion.answer")
    return _operator_post(request, suggestion_id, ReplyForm(request.POST), lambda s, d: services.suggestion_reply(
        actor=request.user, suggestion=s, reply=d["reply"]))


@login_required
@require_POST
def progress(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    policy.require(request.user, "community.suggestion.answer")
    return _operator_post(request, suggestion_id, ProgressForm(request.POST), lambda s, d: services.
                          suggestion_progress_add(actor=request.user, suggestion=s, percent=d["percent"],
                                                  note=d["note"], happened_on=d["happened_on"]))


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Operators: official replies due (overdue first), new suggestions, and the settings."""
    policy.require(request.user, "community.suggestion.answer")
    conf = SuggestionSettings.load()
    # The settings are the portfolio's: a park's operator sees the queue of their parks only.
    portfolio = policy.can(request.user, "community.suggestion.answer", policy.PORTFOLIO)
    form = SuggestionSettingsForm(request.POST or None, initial={"support_threshold": conf.support_threshold,
                                                                 "reply_workdays": conf.reply_workdays})
    if request.method == "POST":
        if request.POST.get("action") == "flag":
            scope = policy.scope_filter(request.user, policy.OPERATOR) or {}
            n = services.suggestions_flag_overdue(park_ids=scope.get("park_id__in"))
            messages.success(request, _("%(n)d overdue suggestions flagged.") % {"n": n})
            return redirect("community:suggestion_queue")
        if form.is_valid():
            with page_action(request, form=form, success=_("Settings saved.")) as done:
                services.suggestion_settings_update(actor=request.user, **form.cleaned_data)
            if done:
                return redirect("community:suggestion_queue")
    due = list(selectors.suggestion_reply_queue(viewer=request.user)[:100])
    new = Paginator(selectors.suggestion_new_queue(viewer=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "community/suggestion_queue.html", {
        "due": [(s, _clock(s)) for s in due], "page": new, "form": form if portfolio else None})


urls: list[URLPattern] = [
    path("suggestions/", board, name="suggestion_board"),
    path("suggestions/new/", create, name="suggestion_create"),
    path("suggestions/queue/", queue, name="suggestion_queue"),
    path("suggestions/<int:suggestion_id>/", detail, name="suggestion"),
    path("suggestions/<int:suggestion_id>/support/", support, name="suggestion_support"),
    path("suggestions/<int:suggestion_id>/transition/", transition, name="suggestion_transition"),
    path("suggestions/<int:suggestion_id>/reply/", reply, name="suggestion_reply"),
    path("suggestions/<int:suggestion_id>/progress/", progress, name="suggestion_progress"),
]
