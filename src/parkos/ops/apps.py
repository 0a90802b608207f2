from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "parkos.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        # The request id follows a request into its background tasks; unhandled exceptions are counted.
        from parkos.ops import receivers  # noqa: F401
