"""The organiser's questions to registrants, and a registrant's answers checked against them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from parkos.core.errors import ErrorCode, Invalid, field_error
from parkos.core.text import clean_text
from parkos.events.models import Event

MAX_QUESTIONS = 10
MAX_CHOICES = 20
MAX_LABEL = 200
MAX_CHOICE = 100
MAX_QUESTION_ID = 20
MAX_ANSWER = 500


def _question_text(value: Any, index: int, limit: int) -> str:
    try:
        return clean_text(value, field="questions", limit=limit, multiline=False)
    except Invalid as error:
        # Name the question: the form shows every question in one box.
        message = _("Question %(n)d: %(problem)s") % {"n": index, "problem": error.message}
        raise field_error("questions", message, code=error.code) from None


def questions_clean(raw: Any) -> list[dict[str, Any]]:
    """Normalise the organiser's questions; refuse anything malformed (too long is refused, never cut)."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise field_error("questions", _("Questions must be a list."))
    if len(raw) > MAX_QUESTIONS:
        raise field_error("questions", _("Ask at most %(n)d questions.") % {"n": MAX_QUESTIONS},
                          code=ErrorCode.TOO_MANY)
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise field_error("questions", _("Each question needs a label and a kind."))
        if not str(item.get("label") or "").strip():
            raise field_error("questions", _("Question %(n)d needs a label.") % {"n": index},
                              code=ErrorCode.REQUIRED)
        label = _question_text(item.get("label"), index, MAX_LABEL)
        kind = item.get("kind") or "text"
        if kind not in ("text", "choice"):
            raise field_error("questions", _("Question %(n)d has an unknown kind.") % {"n": index},
                              code=ErrorCode.INVALID_CHOICE)
        qid = str(item.get("id") or f"q{index}")
        if len(qid) > MAX_QUESTION_ID or qid in seen:  # ids are ours to give: a bad one is replaced, not cut
            qid = f"q{index}"
        seen.add(qid)
        question: dict[str, Any] = {"id": qid, "label": label, "kind": kind, "required": bool(item.get("required"))}
        if kind == "choice":
            choices = [_question_text(c, index, MAX_CHOICE) for c in (item.get("choices") or []) if str(c).strip()]
            choices = list(dict.fromkeys(choices))
            if not 2 <= len(choices) <= MAX_CHOICES:
                raise field_error("questions", _("Question %(n)d needs between 2 and 20 choices.") % {"n": index})
            question["choices"] = choices
        out.append(question)
    return out


def answers_clean(event: Event, raw: Any) -> dict[str, str]:
    """The registrant's answers, checked against the event's questions."""
    raw = raw or {}
    if not isinstance(raw, dict):
        raise field_error("answers", _("Answers must be given per question."))
    known = {q["id"]: q for q in event.questions}
    if set(raw) - set(known):
        raise field_error("answers", _("There is no such question."), code=ErrorCode.INVALID_CHOICE)
    answers: dict[str, str] = {}
    for qid, question in known.items():
        field = f"answers.{qid}"
        value = clean_text(raw.get(qid), field=field, limit=MAX_ANSWER, required=question.get("required", False),
                           required_message=_("Please answer: %(label)s") % {"label": question["label"]})
        if not value:
            continue
        if question["kind"] == "choice" and value not in question["choices"]:
            raise Invalid(_("Choose one of the offered answers."), code=ErrorCode.INVALID_CHOICE,
                          details={field: [_("Choose one of the offered answers.")]})
        answers[qid] = value
    return answers
