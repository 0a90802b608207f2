"""How form widgets are drawn: Django's own widget templates, in their Jinja2 version.

A form field on a page (``{{ field }}``) renders its widget through the form renderer. Django's default
renderer draws each widget with the Django template engine, about half a millisecond per field: a profile
form of eight fields cost more than the rest of its page. Django ships every built-in widget and form
template for Jinja2 too (django/forms/jinja2/), which draws the same markup several times faster. A widget
that only has a Django-template version (a third-party one, or one of ours) still renders, with the Django
engine, so nothing has to be written twice."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class FastWidgets(BaseRenderer):
    """Jinja2 for the templates it has, the Django engine for the rest (each lookup remembered)."""

    @cached_property
    def _jinja(self) -> Jinja2:
        return Jinja2()

    @cached_property
    def _django(self) -> DjangoTemplates:
        return DjangoTemplates()

    def get_template(self, template_name: str) -> Any:
        try:
            return self._jinja.get_template(template_name)
        except TemplateDoesNotExist:
            return self._django.get_template(template_name)
