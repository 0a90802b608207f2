"""Pages show domain errors where they belong: next to the field, or on top of the form."""

from __future__ import annotations

from django import forms

from parkos.core.errors import DomainError


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    placed = False
    for field, messages in (error.details or {}).items():
        for message in messages:
            if field in form.fields:
                form.add_error(field, message)
                placed = True
    if not placed:
        form.add_error(None, str(error.message))


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
