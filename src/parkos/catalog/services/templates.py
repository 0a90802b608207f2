"""A butler's reply templates: saved texts with ``{variable}`` placeholders filled from an order.
Only the known variables are replaced (no ``str.format`` on a person's text)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from parkos.accounts.models import User
from parkos.catalog.models import ReplyTemplate, ServiceOrder
from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.text import clean_text

TEMPLATE_VAR_RE = re.compile(r"\{([a-z_]+)\}")
TEMPLATE_VARIABLES = ("enterprise", "service", "number", "due_on", "requester")
TITLE_MAX = 80
BODY_MAX = 4000


def template_context(order: ServiceOrder) -> dict[str, str]:
    return {
        "enterprise": order.enterprise.name,
        "service": order.service.name_zh,
        "number": order.number,
        "due_on": order.due_on.isoformat() if order.due_on else "",
        "requester": order.requested_by.display_name,
    }


def template_render(body: str, context: dict[str, str]) -> str:
    """Replace ``{name}`` for the known variables only. Anything else (``{unknown}``,
    ``{enterprise.__class__}``, ``{0}``) stays as written."""
    return TEMPLATE_VAR_RE.sub(lambda m: context.get(m.group(1), m.group(0)), body)


def reply_template_save(*, actor: User, title: str, body: str, shared: bool = False,
                        template: ReplyTemplate | None = None) -> ReplyTemplate:
    policy.require(actor, "order.templates")
    if shared or (template is not None and template.owner_id is None):
        policy.require(actor, "catalog.manage")
    if template is not None and template.owner_id not in (None, actor.pk):
        raise NotFound(_("No such reply template."))
    title = clean_text(title, field="title", limit=TITLE_MAX, multiline=False)
    body = clean_text(body, field="body", limit=BODY_MAX)
    template = template or ReplyTemplate(owner=None if shared else actor)
    template.title, template.body = title, body
    template.save()
    return template


def reply_template_delete(*, actor: User, template: ReplyTemplate) -> None:
    policy.require(actor, "order.templates")
    if template.owner_id is None:
        policy.require(actor, "catalog.manage")
    elif template.owner_id != actor.pk:
        raise NotFound(_("No such reply template."))
    template.delete()
