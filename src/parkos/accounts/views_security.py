"""The account's security page: two-factor authentication (enrol, recovery codes, turn off), the log-in's
second step, and the member's sessions (see accounts/twofactor.py and accounts/sessions.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.accounts import sessions, twofactor
from parkos.accounts.forms_security import CodeForm, DisableForm, RegenerateForm, SecondStepForm
from parkos.accounts.models import User
from parkos.accounts.views import _login_and_remember_language, _next_url
from parkos.core.forms import page_action


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _demo_code(device: Any) -> str | None:
    """The demo (TWO_FACTOR_SHOW_CODE, `make demo`) shows the app's current code, as it shows SMS codes."""
    if device is None or not settings.TWO_FACTOR_SHOW_CODE:
        return None
    return twofactor.current_code(device)


@login_required
def security(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(request, "accounts/security.html", {
        "enabled": twofactor.twofactor_enabled(user),
        "required": twofactor.twofactor_required(user),
        "codes_left": twofactor.recovery_codes_left(user),
        "sessions": sessions.session_list(viewer=user, current_key=request.session.session_key),
        "regenerate_form": RegenerateForm(auto_id="regen_%s"),
    })


@login_required
def twofactor_setup(request: HttpRequest) -> HttpResponse:
    """Enrolment: the QR code and the secret, then a code from the app; on success the recovery codes."""
    user = _user(request)
    if twofactor.twofactor_enabled(user):
        return redirect("accounts:security")
    device = twofactor.enrolment_start(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form) as done:
            codes = twofactor.enrolment_confirm(request=request, user=user, code=form.cleaned_data["code"])
        if done:
            messages.success(request, _("Two-factor authentication is on."))
            return _codes_page(request, codes, next_url=_next_url(request, ""))
    return render(request, "accounts/twofactor_setup.html", {
        "form": form, "qr": twofactor.qr_svg(device), "secret": twofactor.secret_text(device),
        "required": twofactor.twofactor_required(user), "demo_code": _demo_code(device),
        "next": _next_url(request, ""),
    }, status=400 if form.errors else 200)


def _codes_page(request: HttpRequest, codes: list[str], *, next_url: str = "") -> HttpResponse:
    """The recovery codes, shown in this response only (never stored in plain, never shown again)."""
    response = render(request, "accounts/twofactor_codes.html", {"codes": codes, "next": next_url})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def twofactor_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (POST, with a current code of the app); a GET goes back to the security page."""
    user = _user(request)
    form = RegenerateForm(request.POST or None, auto_id="regen_%s")
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form) as done:
            codes = twofactor.recovery_codes_regenerate(request=request, user=user, code=form.cleaned_data["code"])
        if done:
            return _codes_page(request, codes)
        return render(request, "accounts/security.html", {
            "enabled": True, "required": twofactor.twofactor_required(user),
            "codes_left": twofactor.recovery_codes_left(user),
            "sessions": sessions.session_list(viewer=user, current_key=request.session.session_key),
            "regenerate_form": form,
        }, status=400)
    return redirect("accounts:security")


@login_required
def twofactor_disable(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not twofactor.twofactor_enabled(user):
        return redirect("accounts:security")
    required = twofactor.twofactor_required(user)
    form = DisableForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("Two-factor authentication is off.")) as done:
            twofactor.twofactor_disable(request=request, user=user, password=form.cleaned_data["password"],
                                        code=form.cleaned_data["code"])
        if done:
            return redirect("accounts:security")
    return render(request, "accounts/twofactor_disable.html", {"form": form, "required": required},
                  status=400 if form.errors else 200)


def login_verify(request: HttpRequest) -> HttpResponse:
    """The log-in's second step. Either half-way through a log-in (the password or SMS code was right; not
    logged in yet), or a logged-in session that has not passed it (TwoFactorMiddleware sends it here)."""
    logged_in = request.user.is_authenticated and not twofactor.session_is_verified(request)
    if logged_in:
        user: User | None = _user(request)
        next_url = _next_url(request)
    elif request.user.is_authenticated:
        return redirect(_next_url(request))
    else:
        user, pending_next = twofactor.login_pending_user(request)
        next_url = _next_url(request, pending_next or "/")
        if user is None:
            messages.info(request, _("Your log-in took too long. Please log in again."))
            return redirect("accounts:login")
    assert user is not None
    form = SecondStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form) as done:
            device = twofactor.second_step_verify(request=request, user=user, code=form.cleaned_data["code"])
        if done:
            if device.persistent_id.startswith("otp_static"):
                left = twofactor.recovery_codes_left(user)
                messages.warning(request, _("You used a recovery code: %(left)d left. Make new ones on the security "
                                            "page if you run short.") % {"left": left})
            if logged_in:
                twofactor.mark_verified(request, device)
                return redirect(next_url)
            twofactor.login_pending_clear(request)
            response = _login_and_remember_language(request, user, second_step=False)
            response["Location"] = next_url  # checked like any "next" (_next_url), when the password was right
            twofactor.mark_verified(request, device)
            return response
    return render(request, "accounts/login_verify.html", {
        "form": form, "next": next_url, "demo_code": _demo_code(twofactor.totp_device_get(user)),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def session_end(request: HttpRequest, record_id: int) -> HttpResponse:
    # Not a page action: another member's session (or a guessed id) is a plain 404 page, not a message.
    sessions.session_end(actor=_user(request), record_id=record_id, current_key=request.session.session_key)
    messages.success(request, _("The session has been ended: that device is logged out."))
    return redirect("accounts:security")


@login_required
@require_POST
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    ended = sessions.session_end_others(actor=_user(request), current_key=request.session.session_key)
    messages.success(request, _("%(count)d other sessions have been ended.") % {"count": ended})
    return redirect("accounts:security")
