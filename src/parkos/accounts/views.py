from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.accounts import backends, selectors, services, twofactor
from parkos.accounts.forms import (
    AvatarForm,
    DeleteAccountForm,
    LoginForm,
    ProfileForm,
    SignupForm,
    SmsLoginForm,
    SmsResetForm,
    SmsSignupForm,
    TokenForm,
)
from parkos.accounts.models import User
from parkos.audit.services import audit_read
from parkos.core import generations, ratelimit
from parkos.core.client_ip import client_address
from parkos.core.errors import DomainError
from parkos.core.forms import page_action
from parkos.core.pagination import CappedPaginator


def _next_url(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _login_and_remember_language(request: HttpRequest, user: User, *, second_step: bool = True) -> HttpResponseRedirect:
    if second_step and twofactor.second_step_needed(user):
        # Two-factor authentication: not logged in yet, the code comes first (views_security.login_verify).
        twofactor.login_pending_start(request, user, next_url=_next_url(request))
        return HttpResponseRedirect(reverse("accounts:login_verify"))
    auth_login(request, user, backend=backends.BACKEND)
    response = HttpResponseRedirect(_next_url(request))
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, max_age=settings.LANGUAGE_COOKIE_AGE,
                        samesite="Lax")
    return response


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form) as done:
            ratelimit.enforce(request, group="signup-ip", key=ratelimit.client_ip(request),
                              rate=settings.SIGNUP_RATE_PER_IP)
            user = services.user_signup(
                login=form.cleaned_data["login"], password=form.cleaned_data["password"],
                display_name=form.cleaned_data["display_name"], accept_privacy=form.cleaned_data["accept_privacy"],
                ip_address=client_address(request), language=request.LANGUAGE_CODE,
            )
        if done:
            messages.success(request, _("Welcome to the park, %(name)s!") % {"name": user.display_name})
            return _login_and_remember_language(request, user)
    return render(request, "accounts/signup.html", {"form": form, "next": _next_url(request, "")},
                  status=400 if form.errors else 200)


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form) as done:
            user = services.user_authenticate(request=request, login=form.cleaned_data["login"],
                                              password=form.cleaned_data["password"])
        if done:
            return _login_and_remember_language(request, user)
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request, "")},
                  status=400 if form.errors else 200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.info(request, _("You have logged out."))
    return redirect("core:home")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    initial = {
        "display_name": user.display_name, "bio": user.bio, "education": user.education,
        "skills": ", ".join(user.skills), "interests": ", ".join(user.interests),
        "languages": ", ".join(user.languages), "is_public": user.is_public, "language": user.language,
    }
    form = ProfileForm(request.POST if request.method == "POST" and "save_profile" in request.POST else None,
                       initial=initial)
    avatar_form = AvatarForm(request.POST if "save_avatar" in request.POST else None,
                             request.FILES if "save_avatar" in request.POST else None)
    if request.method == "POST" and "save_avatar" in request.POST and avatar_form.is_valid():
        with page_action(request, form=avatar_form, success=_("Your avatar has been updated.")) as done:
            services.user_set_avatar(actor=user, user=user, upload=avatar_form.cleaned_data["avatar"])
        if done:
            return redirect("accounts:profile")
    elif request.method == "POST" and "save_profile" in request.POST and form.is_valid():
        with page_action(request, form=form, success=_("Your profile has been saved.")) as done:
            services.user_update_profile(actor=user, user=user, data=form.cleaned_data)
        if done:
            response = redirect("accounts:profile")
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language,
                                max_age=settings.LANGUAGE_COOKIE_AGE, samesite="Lax")
            return response
    status = 400 if (form.errors or avatar_form.errors) else 200
    context: dict[str, Any] = {"form": form, "avatar_form": avatar_form}
    if not form.is_bound and not avatar_form.is_bound:
        # The blank forms are the member's own data in fields: drawn once per language, kept until their
        # profile changes (core/generations.py); a bound form, with its errors, is drawn each time.
        def draw(which: Any) -> Callable[[], str]:
            return lambda: render_to_string("core/_form.html", {"form": which}, request=request)

        context["form_html"] = generations.fragment(
            f"profile-form:{user.pk}", [generations.person_token_name(user.pk), "members"], draw(form))
        context["avatar_form_html"] = generations.fragment("avatar-form", [], draw(avatar_form))
    return render(request, "accounts/profile.html", context, status=status)


@login_required
def export(request: HttpRequest) -> HttpResponse:
    data = services.user_export(actor=request.user, user=request.user)  # type: ignore[arg-type]
    audit_read(request, what="accounts.personal_data.export", subject=request.user)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="parkos-my-data.json"'
    return response


@login_required
def delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form) as done:
            services.user_delete(actor=request.user, user=request.user,  # type: ignore[arg-type]
                                 password=form.cleaned_data["password"])
        if done:
            auth_logout(request)
            messages.info(request, _("Your account and its data have been deleted."))
            return redirect("core:home")
    return render(request, "accounts/delete.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form) as done:
            _token, new_token = services.token_create(actor=user, name=form.cleaned_data["name"],
                                                      expires_in_days=form.cleaned_data["expires_in_days"])
        if done:
            form = TokenForm()
    return render(request, "accounts/tokens.html",
                  {"form": form, "tokens": selectors.token_list(viewer=user), "new_token": new_token},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    with page_action(request, success=_("The token has been revoked.")):
        services.token_revoke(actor=request.user, token_id=token_id)  # type: ignore[arg-type]
    return redirect("accounts:tokens")


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    """The current park's members (staff of its enterprises) by default; ``?park=all`` everyone."""
    from parkos.core.parks import park_list, park_param

    q = request.GET.get("q", "")
    chosen = request.GET.get("park", "")
    park = None if chosen == "all" else (park_param(chosen) or request.park)  # type: ignore[attr-defined]
    members = selectors.member_list(viewer=request.user, q=q, park=park)  # type: ignore[arg-type]  # the permission
    params = {k: v for k, v in (("q", q), ("park", chosen)) if v}
    context = {"q": q, "listed_park": park, "parks": park_list(), "park_filter": chosen,
               "querystring": urlencode(params)}

    def draw() -> str:
        # 25,000 members: count at most 50 pages (search narrows the list; see core/pagination.py).
        page = CappedPaginator(members, 24).get_page(request.GET.get("page"))
        return render_to_string("accounts/_member_results.html", {**context, "page": page}, request=request)

    # The same for every member who may see the list: drawn once per page of the list until a profile
    # or a membership changes (core/generations.py).
    key = f"members|{getattr(park, 'pk', 'all')}|{chosen[:30]}|{q[:50]}|{request.GET.get('page', '')[:12]}"
    return render(request, "accounts/member_list.html",
                  {**context, "results": generations.fragment(key, ["members"], draw)})


@login_required
def member_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    from parkos.enterprises.selectors import membership_of
    from parkos.scenes.selectors import reputation_get

    member = selectors.member_get(viewer=request.user, user_id=user_id)  # type: ignore[arg-type]
    membership = membership_of(user=member)
    return render(request, "accounts/member_detail.html",
                  {"member": member, "membership": membership, "reputation": reputation_get(member)})


# --- mobile number and SMS code: sign-up, log-in, password reset ------------------------------------
# Each form has a "Get code" button. With htmx it posts to ``sms_send`` and swaps itself for a
# countdown; without JavaScript it submits the whole form with ``send_code``, and the page view sends
# the code and shows the form again, filled in. Both call services.sms_code_send.

def _sms_send_for_page(request: HttpRequest, purpose: str) -> dict[str, object]:
    """Send a code from a page; returns the template context of the button (its countdown or error)."""
    with page_action(request) as done:
        code = services.sms_code_send(request=request, mobile=request.POST.get("mobile", ""), purpose=purpose)
    if not done:
        return {"purpose": purpose, "sms_error": True}
    if code and settings.SMS_SHOW_CODE and settings.SMS_PROVIDER == "console":
        messages.info(request, _("Demo mode: your code is %(code)s (also in the server log).") % {"code": code})
    return {"purpose": purpose, "wait": settings.SMS_RESEND_SECONDS, "sms_sent": True}


def _sms_initial(request: HttpRequest) -> dict[str, str]:
    return {k: str(v) for k, v in request.POST.items() if k not in ("password", "csrfmiddlewaretoken", "send_code")}


@require_POST
def sms_send(request: HttpRequest) -> HttpResponse:
    """htmx: send a code and answer with the button part of the form (countdown, or the error)."""
    purpose = request.POST.get("purpose", "")
    context: dict[str, object] = {"purpose": purpose}
    try:
        code = services.sms_code_send(request=request, mobile=request.POST.get("mobile", ""), purpose=purpose)
    except DomainError as error:  # shown inside the swapped fragment, not flashed for the next page
        context["sms_error_text"] = str(error.message)
        context["wait"] = error.retry_after  # a refused resend counts down what is left of the wait
        return render(request, "accounts/_sms_button.html", context)
    context.update(wait=settings.SMS_RESEND_SECONDS, sms_sent=True)
    if code and settings.SMS_SHOW_CODE and settings.SMS_PROVIDER == "console":
        context["demo_code"] = code
    return render(request, "accounts/_sms_button.html", context)


def _sms_page(request: HttpRequest, purpose: str, form_class: Any) -> tuple[Any, dict[str, object], bool]:
    """What an SMS page shows: its form and its "send the code" button. "Send the code" sends it (the form
    keeps the number typed); otherwise the form is bound to the post. The flag: a valid form was submitted."""
    if request.method == "POST" and "send_code" in request.POST:
        return form_class(initial=_sms_initial(request)), _sms_send_for_page(request, purpose), False
    form = form_class(request.POST or None)
    return form, {"purpose": purpose}, request.method == "POST" and form.is_valid()


def _sms_render(request: HttpRequest, template: str, form: Any, button: dict[str, object],
                **extra: Any) -> HttpResponse:
    return render(request, template, {"form": form, "button": button, **extra},
                  status=400 if form.is_bound and form.errors else 200)


def signup_sms(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form, button, submitted = _sms_page(request, "signup", SmsSignupForm)
    if submitted:
        with page_action(request, form=form) as done:
            user = services.user_signup_by_sms(
                mobile=form.cleaned_data["mobile"], code=form.cleaned_data["code"],
                display_name=form.cleaned_data["display_name"], password=form.cleaned_data["password"],
                accept_privacy=form.cleaned_data["accept_privacy"], ip_address=client_address(request),
                language=request.LANGUAGE_CODE,
            )
        if done:
            messages.success(request, _("Welcome to the park, %(name)s!") % {"name": user.display_name})
            return _login_and_remember_language(request, user)
    return _sms_render(request, "accounts/signup_sms.html", form, button, next=_next_url(request, ""))


def login_sms(request: HttpRequest) -> HttpResponse:
    form, button, submitted = _sms_page(request, "login", SmsLoginForm)
    if submitted:
        with page_action(request, form=form) as done:
            user = services.user_login_by_sms(mobile=form.cleaned_data["mobile"], code=form.cleaned_data["code"])
        if done:
            return _login_and_remember_language(request, user)
    return _sms_render(request, "accounts/login_sms.html", form, button, next=_next_url(request, ""))


def password_reset_sms(request: HttpRequest) -> HttpResponse:
    form, button, submitted = _sms_page(request, "reset", SmsResetForm)
    if submitted:
        with page_action(request, form=form, success=_("Your password has been reset. Log in with it now.")) as done:
            services.user_reset_password_by_sms(mobile=form.cleaned_data["mobile"], code=form.cleaned_data["code"],
                                                password=form.cleaned_data["password"])
        if done:
            return redirect("accounts:login")
    return _sms_render(request, "accounts/password_reset_sms.html", form, button)
