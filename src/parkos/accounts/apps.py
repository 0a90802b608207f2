from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "parkos.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        # Importing registers its part of the home page (core imports no domain) and its deploy check.
        from parkos.accounts import (
            checks,  # noqa: F401
            generations,  # noqa: F401  # the member list's cached pages follow profiles and memberships
            home,  # noqa: F401
            sessions,
            twofactor,
        )

        # The sessions page's records (accounts/sessions.py): written at log-in, gone at log-out.
        user_logged_in.connect(sessions.on_logged_in, dispatch_uid="parkos.accounts.session_record_login")
        user_logged_out.connect(sessions.on_logged_out, dispatch_uid="parkos.accounts.session_record_logout")
        # Two-factor authentication notes at log-in whether the member has an app (accounts/twofactor.py).
        user_logged_in.connect(twofactor.on_logged_in, dispatch_uid="parkos.accounts.twofactor_state")
