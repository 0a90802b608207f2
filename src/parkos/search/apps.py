from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "parkos.search"
    verbose_name = _("Search")

    def ready(self) -> None:
        # Each domain's index sources register here; jieba itself loads lazily on the first search.
        from parkos.search import sources  # noqa: F401
