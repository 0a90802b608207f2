"""The private thread of one response: questions and answers between the publisher and the responder."""

from __future__ import annotations

from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.accounts.models import User
from parkos.core.text import clean_text
from parkos.scenes.models import Message, Response
from parkos.scenes.services._shared import full_clean, notify
from parkos.scenes.services.responses import require_on_response


def message_post(*, actor: User, response: Response, body: str) -> Message:
    require_on_response(actor, "scene.thread", response)
    message = Message(response=response, author=actor,
                      body=clean_text(body, field="body", limit=2000, markup=False,
                                      required_message=_("Write a message.")))
    full_clean(message, exclude=["response", "author"])
    message.save()
    other = response.responder if actor.pk == response.scene.publisher_id else response.scene.publisher
    notify([other], format_lazy("{}: {}", gettext_lazy("New message"), response.scene.title),
           reverse("scenes:response", args=[response.pk]), actor)
    return message
