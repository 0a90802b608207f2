"""Pages of moderation: members report and see their own standing; operators work the queue,
decide, warn or suspend, edit the word list and read the audit log."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.community.forms_civic import DecisionForm, ReportForm, SanctionForm, WordForm
from parkos.community.models import Sanction, SensitiveWord
from parkos.community.selectors import moderation as selectors
from parkos.community.services import moderation as services
from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.forms import page_action


def _back(request: HttpRequest, fallback: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return fallback


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """Report a post, comment or suggestion (GET ?kind=&id= shows the form)."""
    initial = {"kind": request.GET.get("kind", ""), "target_id": request.GET.get("id", "")}
    form = ReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("Thank you. The moderators will look at it.")) as done:
            services.report_create(actor=request.user, kind=form.cleaned_data["kind"],
                                   target_id=form.cleaned_data["target_id"], reason=form.cleaned_data["reason"],
                                   detail=form.cleaned_data["detail"])
        if done:
            return redirect(_back(request, "community:moderation_mine"))
    return render(request, "community/moderation_report.html", {"form": form, "next": request.GET.get("next", "")})


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The member's own standing: trust level, warnings, suspension and hidden content, with reasons."""
    return render(request, "community/moderation_mine.html", {"me": selectors.my_standing(viewer=request.user)})


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    cases = Paginator(selectors.case_queue(viewer=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "community/moderation_queue.html", {
        "page": cases, "held_posts": list(selectors.held_posts(viewer=request.user)[:50]),
        "held_comments": list(selectors.held_comments(viewer=request.user)[:50]), "form": DecisionForm()})


@login_required
@require_POST
def decide(request: HttpRequest, kind: str, target_id: int, decision: str) -> HttpResponse:
    policy.require(request.user, "community.moderate")
    reason = request.POST.get("reason", "")
    with page_action(request, success=_("Done. The decision is in the moderation log.")):
        if kind == "member" and decision in ("uphold", "dismiss"):
            services.member_case_decide(actor=request.user, user_id=target_id, upheld=decision == "uphold",
                                        reason=reason)
        elif decision == "hide":
            services.content_hide(actor=request.user, kind=kind, target_id=target_id, reason=reason)
        elif decision == "restore":
            services.content_restore(actor=request.user, kind=kind, target_id=target_id, reason=reason)
        else:
            raise NotFound()
    return redirect(_back(request, "community:moderation_queue"))


@login_required
def member(request: HttpRequest, user_id: int) -> HttpResponse:
    """Operators: one member's standing and history, and the warn/suspend form."""
    from parkos.accounts.models import User

    policy.require(request.user, "community.moderate")
    person = User.objects.filter(pk=user_id).first()
    if person is None:
        raise NotFound()
    form = SanctionForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("action") == "unsuspend":
            with page_action(request):
                services.member_unsuspend(actor=request.user, user=person, reason=request.POST.get("reason", ""))
            return redirect("community:moderation_member", person.pk)
        if form.is_valid():
            with page_action(request, form=form, success=_("Done. The member is notified.")) as done:
                if form.cleaned_data["kind"] == "suspend":
                    until = timezone.now() + timedelta(days=form.cleaned_data["days"] or 7)
                    services.member_suspend(actor=request.user, user=person, until=until,
                                            reason=form.cleaned_data["reason"])
                else:
                    services.member_warn(actor=request.user, user=person, reason=form.cleaned_data["reason"])
            if done:
                return redirect("community:moderation_member", person.pk)
    return render(request, "community/moderation_member.html", {
        "person": person, "standing": services.standing_get(person), "form": form,
        "sanctions": Sanction.objects.filter(user=person).select_related("given_by")[:50],
        "log": selectors.action_log(viewer=request.user, subject=person)[:50]})


@login_required
def log(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.action_log(viewer=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "community/moderation_log.html", {"page": page})


@login_required
def words(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "community.moderate")
    form = WordForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("toggle"):
            w = SensitiveWord.objects.filter(pk=request.POST["toggle"]).first()
            if w is not None:
                services.sensitive_word_save(actor=request.user, word=w.word, action=w.action, note=w.note,
                                             is_active=not w.is_active)
            return redirect("community:moderation_words")
        if form.is_valid():
            with page_action(request, form=form, success=_("Word saved.")) as done:
                services.sensitive_word_save(actor=request.user, **form.cleaned_data)
            if done:
                return redirect("community:moderation_words")
    page = Paginator(selectors.word_list(viewer=request.user), 100).get_page(request.GET.get("page"))
    return render(request, "community/moderation_words.html", {"page": page, "form": form})


urls: list[URLPattern] = [
    path("report/", report, name="report"),
    path("moderation/me/", mine, name="moderation_mine"),
    path("moderation/", queue, name="moderation_queue"),
    path("moderation/log/", log, name="moderation_log"),
    path("moderation/words/", words, name="moderation_words"),
    path("moderation/members/<int:user_id>/", member, name="moderation_member"),
    path("moderation/<str:kind>/<int:target_id>/<str:decision>/", decide, name="moderation_decide"),
]
