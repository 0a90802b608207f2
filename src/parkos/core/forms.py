"""Pages show domain errors where they belong: next to the field, or on top of the form."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from django import forms
from django.contrib import messages as flash
from django.http import HttpRequest

from parkos.core.errors import DomainError


def add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    placed = False
    for field, messages in (error.details or {}).items():
        for message in messages:
            if field in form.fields:
                form.add_error(field, message)
                placed = True
    if not placed:
        form.add_error(None, str(error.message))


class page_action:
    """The one way a page view turns a domain error into a message for the person.

    ::

        with page_action(request, form=form, success=_("Saved.")) as done:
            services.scene_update(actor=request.user, scene=scene, data=form.cleaned_data)
        if done:
            return redirect(...)

    A ``DomainError`` raised inside is shown next to the form's fields (or on top of the form), or as a
    flash message when there is no form, and ``done`` is false; any other exception passes through.
    On success the ``success`` message (if any) is flashed and ``done`` is true."""

    def __init__(self, request: HttpRequest, *, form: forms.BaseForm | None = None, success: Any = None) -> None:
        self.request = request
        self.form = form
        self.success = success
        self.ok = False
        self.error: DomainError | None = None

    def __enter__(self) -> page_action:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        if exc is None:
            self.ok = True
            if self.success:
                flash.success(self.request, str(self.success))
            return False
        if not isinstance(exc, DomainError):
            return False
        self.error = exc
        if self.form is not None:
            add_domain_error(self.form, exc)
        else:
            flash.error(self.request, str(exc.message))
        return True

    def __bool__(self) -> bool:
        return self.ok


class StyledForm(forms.Form):
    """Gives every widget the shell's CSS class and marks required inputs for assistive tech."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        style_fields(self)


def style_fields(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            continue
        css = "input" if not isinstance(widget, forms.Select) else "select"
        widget.attrs.setdefault("class", css)
        if field.required:
            widget.attrs.setdefault("aria-required", "true")
