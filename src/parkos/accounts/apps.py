from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "parkos.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Its part of the home page (core shows what domains register; core imports no domain).
        from parkos.accounts import home  # noqa: F401
