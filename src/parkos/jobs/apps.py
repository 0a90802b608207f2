from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "parkos.jobs"
    label = "jobs"
    verbose_name = _("Scheduled jobs")

    def ready(self) -> None:
        # Every app's ``schedules`` module declares its periodic jobs (found once at start-up), so the
        # scheduler names no domain.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("schedules")
