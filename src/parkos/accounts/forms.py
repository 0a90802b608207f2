from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.template import loader
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from parkos.accounts.models import Education
from parkos.core.forms import StyledForm


class SignupForm(StyledForm):
    login = forms.CharField(label=_("E-mail or mobile number"), max_length=254,
                            widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    display_name = forms.CharField(label=_("Display name"), max_length=40,
                                   help_text=_("Shown to other members, e.g. your name or nickname."))
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=_("At least 8 characters, not only digits, not a common password."))
    accept_privacy = forms.BooleanField(label=_("I have read and accept the privacy policy"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accept_privacy"].label = mark_safe(
            str(_('I have read and accept the <a href="/privacy/" target="_blank">privacy policy</a>'))
        )


class LoginForm(StyledForm):
    login = forms.CharField(label=_("E-mail or mobile number"), max_length=254,
                            widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class ProfileForm(StyledForm):
    display_name = forms.CharField(label=_("Display name"), max_length=40)
    bio = forms.CharField(label=_("Bio"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    education = forms.ChoiceField(label=_("Education"), choices=Education.choices, required=False)
    skills = forms.CharField(label=_("Skills"), required=False,
                             help_text=_("Separate with commas, e.g. 机器学习, 产品设计"))
    interests = forms.CharField(label=_("Industry interests"), required=False,
                                help_text=_("Separate with commas, e.g. 人工智能, 新能源"))
    languages = forms.CharField(label=_("Languages spoken"), required=False,
                                help_text=_("Separate with commas, e.g. 中文, English"))
    is_public = forms.BooleanField(label=_("Show my profile to other members"), required=False)
    language = forms.ChoiceField(label=_("Interface language"), choices=settings.LANGUAGES)


class AvatarForm(StyledForm):
    avatar = forms.FileField(label=_("Avatar"), help_text=_("JPEG, PNG, GIF or WebP, at most 2 MB."),
                             widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))


class TokenForm(StyledForm):
    name = forms.CharField(label=_("Token name"), max_length=60,
                           help_text=_("What will use it, e.g. 'reporting script'."))
    expires_in_days = forms.IntegerField(label=_("Expires after (days)"), required=False, min_value=1,
                                         max_value=3650, help_text=_("Leave empty for no expiry."))


class DeleteAccountForm(StyledForm):
    password = forms.CharField(label=_("Your password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, with the e-mail sent by the background worker after commit, so a slow
    mail server never holds a web worker."""

    def send_mail(self, subject_template_name: str, email_template_name: str, context: dict[str, Any],
                  from_email: str | None, to_email: str, html_email_template_name: str | None = None) -> None:
        from django.db import transaction

        from parkos.accounts.tasks import email_send

        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        html = loader.render_to_string(html_email_template_name, context) if html_email_template_name else None
        transaction.on_commit(lambda: email_send.enqueue(subject=subject, body=body, to=[to_email], html=html))


def _mobile_field() -> forms.CharField:
    return forms.CharField(label=_("Mobile number"), max_length=20, widget=forms.TextInput(
        attrs={"autocomplete": "tel", "inputmode": "tel", "placeholder": _("11-digit mainland number")}))


def _code_field() -> forms.CharField:
    return forms.CharField(label=_("Verification code"), max_length=6, required=False, widget=forms.TextInput(
        attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "6",
               "placeholder": _("6 digits")}))


class SmsSignupForm(StyledForm):
    mobile = _mobile_field()
    code = _code_field()
    display_name = forms.CharField(label=_("Display name"), max_length=40,
                                   help_text=_("Shown to other members, e.g. your name or nickname."))
    password = forms.CharField(label=_("Password (optional)"), strip=False, required=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=_("Leave empty to log in with SMS codes only."))
    accept_privacy = forms.BooleanField(label=_("I have read and accept the privacy policy"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accept_privacy"].label = mark_safe(
            str(_('I have read and accept the <a href="/privacy/" target="_blank">privacy policy</a>'))
        )


class SmsLoginForm(StyledForm):
    mobile = _mobile_field()
    code = _code_field()


class SmsResetForm(StyledForm):
    mobile = _mobile_field()
    code = _code_field()
    password = forms.CharField(label=_("New password"), strip=False, required=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=_("At least 8 characters, not only digits, not a common password."))
