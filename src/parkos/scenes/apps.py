from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScenesConfig(AppConfig):
    name = "parkos.scenes"
    label = "scenes"
    verbose_name = _("Scenes")
