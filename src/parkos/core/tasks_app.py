"""django-tasks' database backend under a translated name.

Its AppConfig names the admin section "Tasks Database Backend" in plain English; Django's way to rename a
third-party app is a subclass of its AppConfig listed in INSTALLED_APPS instead of the app's module (the
label, and so the tables and migrations, stay the same). It lives in its own module: core's apps.py must
hold a single AppConfig for Django to pick it by default."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_tasks_db.apps import TasksAppConfig


class BackgroundTasksConfig(TasksAppConfig):
    verbose_name = _("Background tasks")  # type: ignore[assignment]  # Django accepts lazy names


# The app's models name themselves with these msgids (gettext_lazy in django_tasks_db.models): listed here so
# that makemessages puts them in ParkOS's catalogs, which Django consults for every app.
MODEL_NAMES = (gettext_noop("Task Result"), gettext_noop("Task Results"))
