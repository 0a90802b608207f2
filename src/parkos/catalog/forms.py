"""Forms of the catalog pages. They shape the HTML; the services validate again (and decide)."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from parkos.catalog.models import Service
from parkos.catalog.services.answers import TEXT_MAX, TEXTAREA_MAX
from parkos.catalog.services.orders import MAX_COMMENT, MAX_NOTE, MAX_REASON, new_idempotency_key
from parkos.catalog.services.templates import TITLE_MAX
from parkos.core.errors import DomainError
from parkos.core.forms import StyledForm, page_action

ANSWER_PREFIX = "a_"


class OrderRequestForm(StyledForm):
    """The service's own request form (its ``fields``), a note and the request key of this render."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    note = forms.CharField(label=_("Note for your butler"), max_length=MAX_NOTE, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, service: Service, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            # A fresh key per rendered form: a double click or a resubmitted page sends the same one.
            self.initial.setdefault("idempotency_key", new_idempotency_key())
        fields: dict[str, forms.Field] = {}
        # Labels in the active language (label_en / OpenCC); choice values stay the stored Chinese.
        for spec in service.form_fields:
            kind = spec.get("type") or "text"
            common: dict[str, Any] = {"label": spec["label"], "required": bool(spec.get("required"))}
            field: forms.Field
            if kind == "textarea":
                field = forms.CharField(max_length=TEXTAREA_MAX, widget=forms.Textarea(attrs={"rows": 3}), **common)
            elif kind == "number":
                field = forms.DecimalField(**common)
            elif kind == "date":
                field = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
            elif kind == "choice":
                labels = spec.get("choice_labels") or []
                choices = [("", "—"), *((str(c), labels[i] if i < len(labels) else str(c))
                                        for i, c in enumerate(spec.get("choices") or []))]
                field = forms.ChoiceField(choices=choices, **common)
            else:
                field = forms.CharField(max_length=TEXT_MAX, **common)
            fields[ANSWER_PREFIX + str(spec["name"])] = field
        # The service's own fields first, then the note.
        self.fields = {**fields, **{k: v for k, v in self.fields.items() if k not in fields}}
        from parkos.core.forms import style_fields

        style_fields(self)

    def raw_answers(self) -> dict[str, Any]:
        """The answers as typed (the service validates and converts them)."""
        return {name[len(ANSWER_PREFIX):]: self.data.get(name, "") for name in self.fields
                if name.startswith(ANSWER_PREFIX)}


def error_field(key: str) -> str:
    """A service error key (``answers.contact``) as this form's field name (``a_contact``)."""
    return ANSWER_PREFIX + key.split(".", 1)[1] if key.startswith("answers.") else key


class request_action(page_action):  # used as a statement, like page_action
    """``page_action`` for an ``OrderRequestForm``: the service names an answer ``answers.<name>`` and
    the form ``a_<name>``, and file errors are shown under the file input (``form.file_errors``)."""

    def __init__(self, request: HttpRequest, *, form: OrderRequestForm, success: Any = None) -> None:
        super().__init__(request, form=form, success=success)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        if isinstance(exc, DomainError) and exc.details:
            exc.details = {error_field(k): v for k, v in exc.details.items()}
            if "files" in exc.details:
                self.form.file_errors = exc.details["files"]  # type: ignore[union-attr]
        return super().__exit__(exc_type, exc, tb)


class TransitionForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=MAX_REASON, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    provider = forms.IntegerField(required=False, widget=forms.HiddenInput)
    rating = forms.TypedChoiceField(label=_("Rating"), coerce=int, required=False, empty_value=None,
                                    choices=[(i, str(i)) for i in range(5, 0, -1)])


class CommentForm(StyledForm):
    body = forms.CharField(label=_("Comment"), max_length=MAX_COMMENT,
                           widget=forms.Textarea(attrs={"rows": 3}))
    internal = forms.BooleanField(label=_("Internal note (park staff only)"), required=False)


class ReplyTemplateForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(label=_("Text"), max_length=MAX_COMMENT, widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("Variables in braces are filled in for each order."))
    shared = forms.BooleanField(label=_("Shared with every butler"), required=False)
