from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "parkos.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Every app's ``rules`` module adds its permission rules to the one policy table, found once at
        # start-up the way Django's admin finds ``admin`` modules (no registration by side-effect imports).
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("rules")
        # A member's followed parks are among the facts kept per person (core/generations.py).
        from parkos.core.generations import person_follow
        from parkos.core.models import ParkFollow

        person_follow(ParkFollow)
