"""Pages: visitors. The host's "invite a visitor" form and their passes, one pass with its link and QR code,
reception's desk (today's visitors, walk-ins, the blocklist), and the public pass page a visitor opens
from the link (no account)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parkos.access.forms_visitors import BlockForm, InviteForm, WalkInForm
from parkos.access.selectors import visitors as selectors
from parkos.access.services import visitors as services
from parkos.audit.services import audit_read
from parkos.core import policy, ratelimit
from parkos.core.forms import page_action
from parkos.core.models import Park

# The links of passes made in this browser session, by pass id: only a hash of a token is stored, so a
# link can be shown again only where it was made (elsewhere the host makes a new one).
SESSION_LINKS = "access_visitor_links"
MAX_SESSION_LINKS = 30
PASS_RATE = "30/m"  # the public page, per address: a person opens their pass a few times, a guesser a lot


def _park(request: HttpRequest) -> Park:
    return request.park  # type: ignore[attr-defined,no-any-return]


def _remember(request: HttpRequest, visitor_id: int, token: str) -> None:
    links = dict(request.session.get(SESSION_LINKS, {}))
    links[str(visitor_id)] = token
    request.session[SESSION_LINKS] = dict(list(links.items())[-MAX_SESSION_LINKS:])


def _remembered(request: HttpRequest, visitor_id: int) -> str | None:
    token = request.session.get(SESSION_LINKS, {}).get(str(visitor_id))
    return str(token) if token else None


def _enterprise_choices(request: HttpRequest, park: Park, *, park_itself: bool) -> list[tuple[str, str]]:
    from parkos.enterprises.selectors import enterprise_list

    first = ("", _("The park (no enterprise)")) if park_itself else ("", _("Choose an enterprise"))
    return [first, *((str(e.pk), e.name) for e in enterprise_list(viewer=request.user, park=park))]


def _invite_form(request: HttpRequest, park: Park, data: Any = None) -> InviteForm:
    operator = policy.can(request.user, "access.visitor.reception", park)
    start = timezone.localtime().replace(second=0, microsecond=0) + dt.timedelta(minutes=5)
    return InviteForm(data, gates=selectors.gate_choices(park=park),
                      enterprises=_enterprise_choices(request, park, park_itself=True) if operator else None,
                      initial={"valid_from": start, "valid_until": start + dt.timedelta(hours=4)})


@login_required
def visitors(request: HttpRequest) -> HttpResponse:
    """My visitors in the current park, and the invitation form."""
    park = _park(request)
    form = _invite_form(request, park, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The visitor is invited. Send them the link below.")) as done:
            visitor, token = services.visitor_invite(
                actor=request.user, park=park, name=form.cleaned_data["name"], mobile=form.cleaned_data["mobile"],
                enterprise=form.enterprise_id(), valid_from=form.cleaned_data["valid_from"],
                valid_until=form.cleaned_data["valid_until"], gate_ids=form.gate_ids(),
                purpose=form.cleaned_data["purpose"])
        if done:
            _remember(request, visitor.pk, token)
            return redirect("access:visitor_detail", visitor.pk)
    passes = list(selectors.visitor_list_mine(viewer=request.user, park=park)[:100])
    return render(request, "access/visitors/mine.html",
                  {"form": form, "passes": passes, "park": park, "now": timezone.now(),
                   "can_reception": policy.can(request.user, "access.visitor.reception", park)},
                  status=400 if form.errors else 200)


@login_required
@require_GET
def visitor_detail(request: HttpRequest, visitor_id: int) -> HttpResponse:
    visitor = selectors.visitor_get(viewer=request.user, visitor_id=visitor_id)
    token = _remembered(request, visitor.pk)
    context: dict[str, Any] = {"visitor": visitor, "now": timezone.now()}
    if token is not None and selectors.visitor_by_token(token) is not None:
        context["link"] = request.build_absolute_uri(services.pass_url(token))
        context["qr_svg"] = _qr_svg(services.pass_code(token))
    return render(request, "access/visitors/detail.html", context)


@login_required
@require_POST
def visitor_cancel(request: HttpRequest, visitor_id: int) -> HttpResponse:
    visitor = selectors.visitor_get(viewer=request.user, visitor_id=visitor_id)
    with page_action(request, success=_("The visitor pass is cancelled.")):
        services.visitor_cancel(actor=request.user, visitor=visitor)
    return redirect("access:visitor_detail", visitor.pk)


@login_required
@require_POST
def visitor_resend(request: HttpRequest, visitor_id: int) -> HttpResponse:
    visitor = selectors.visitor_get(viewer=request.user, visitor_id=visitor_id)
    with page_action(request, success=_("A new link is ready; the old one no longer works.")) as done:
        visitor, token = services.visitor_resend(actor=request.user, visitor=visitor)
    if done:
        _remember(request, visitor.pk, token)
    return redirect("access:visitor_detail", visitor.pk)


# --- reception ------------------------------------------------------------------------------------

def _reception_page(request: HttpRequest, *, walk_in: WalkInForm | None = None, block: BlockForm | None = None,
                    status: int = 200) -> HttpResponse:
    park = _park(request)
    day = selectors.visitor_reception_day(viewer=request.user, park=park)
    context = {
        "park": park, "day": day, "now": timezone.now(),
        "blocklist": list(selectors.blocklist_list(viewer=request.user, park=park)[:200]),
        "walk_in_form": walk_in or WalkInForm(prefix="walkin", gates=selectors.gate_choices(park=park),
                                              enterprises=_enterprise_choices(request, park, park_itself=True)),
        "block_form": block or BlockForm(prefix="block"),
    }
    audit_read(request, what="access.blocklist.view", subject=park, park=park)
    return render(request, "access/visitors/reception.html", context, status=status)


@login_required
@require_GET
def reception(request: HttpRequest) -> HttpResponse:
    return _reception_page(request)


@login_required
@require_POST
def reception_walk_in(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    selectors.visitor_reception_day(viewer=request.user, park=park)  # reception's page: its permission first
    form = WalkInForm(request.POST, prefix="walkin", gates=selectors.gate_choices(park=park),
                      enterprises=_enterprise_choices(request, park, park_itself=True))
    if form.is_valid():
        with page_action(request, form=form, success=_("The walk-in visitor is registered.")) as done:
            visitor, token = services.visitor_walk_in(
                actor=request.user, park=park, name=form.cleaned_data["name"], mobile=form.cleaned_data["mobile"],
                enterprise=form.enterprise_id(), hours=form.cleaned_data["hours"], gate_ids=form.gate_ids(),
                purpose=form.cleaned_data["purpose"])
        if done:
            _remember(request, visitor.pk, token)
            return redirect("access:visitor_detail", visitor.pk)
    return _reception_page(request, walk_in=form, status=400)


@login_required
@require_POST
def blocklist_add(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    form = BlockForm(request.POST, prefix="block")
    if form.is_valid():
        with page_action(request, form=form, success=_("Added to the blocklist.")) as done:
            services.blocklist_add(actor=request.user, park=park, mobile=form.cleaned_data["mobile"],
                                   name=form.cleaned_data["name"], reason=form.cleaned_data["reason"],
                                   until=form.cleaned_data["until"])
        if done:
            return redirect("access:reception")
    return _reception_page(request, block=form, status=400)


@login_required
@require_POST
def blocklist_remove(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = selectors.blocklist_get(viewer=request.user, entry_id=entry_id)
    with page_action(request, success=_("Removed from the blocklist.")):
        services.blocklist_remove(actor=request.user, entry=entry)
    return redirect("access:reception")


# --- the visitor's own page -----------------------------------------------------------------------

def _qr_svg(payload: str) -> str:
    import segno

    svg: str = segno.make(payload, error="m").svg_inline(scale=6, border=2, omitsize=True, dark="#111")
    return svg


@require_GET
def visitor_pass(request: HttpRequest, token: str) -> HttpResponse:
    """The pass a visitor opens from their link: no log-in, the token is the key. It shows only what the
    visitor needs at the gate (their name, the host enterprise, the window, the gates, the QR code), and
    nothing once the pass is cancelled, over or erased."""
    ratelimit.enforce(request, group="access.visitor_pass", key=ratelimit.client_ip(request), rate=PASS_RATE)
    visitor = selectors.visitor_by_token(token)
    now = timezone.now()
    state = "unknown"
    if visitor is not None:
        if visitor.purged_at is not None:
            state = "purged"
        elif visitor.status == visitor.Status.CANCELLED:
            state = "cancelled"
        elif visitor.valid_until <= now:
            state = "expired"
        else:
            state = "upcoming" if visitor.valid_from > now else "valid"
    context: dict[str, Any] = {"state": state, "visitor": visitor if state in ("valid", "upcoming") else None}
    if context["visitor"] is not None:
        context["qr_svg"] = _qr_svg(services.pass_code(token))
    response = render(request, "access/visitors/pass.html", context, status=404 if state == "unknown" else 200)
    # The link is the pass: keep it out of search engines, caches and the Referer of any link followed.
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "no-referrer"
    return response


urlpatterns: list[URLPattern] = [
    path("visitors/", visitors, name="visitors"),
    path("visitors/<int:visitor_id>/", visitor_detail, name="visitor_detail"),
    path("visitors/<int:visitor_id>/cancel/", visitor_cancel, name="visitor_cancel"),
    path("visitors/<int:visitor_id>/resend/", visitor_resend, name="visitor_resend"),
    path("reception/", reception, name="reception"),
    path("reception/walk-in/", reception_walk_in, name="reception_walk_in"),
    path("reception/blocklist/", blocklist_add, name="blocklist_add"),
    path("reception/blocklist/<int:entry_id>/remove/", blocklist_remove, name="blocklist_remove"),
    path("v/<str:token>/", visitor_pass, name="visitor_pass"),
]
