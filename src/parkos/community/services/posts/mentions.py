"""@mentions: which members and enterprises a text names, and telling them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.community.models import Post
from parkos.community.services.posts.visibility import readers

MAX_MENTIONS = 10
MENTION_RE = re.compile(r"@([0-9A-Za-z_\-·\u3400-\u9fff]{1,30})")


@dataclass
class Mentions:
    users: dict[str, Any] = field(default_factory=dict)  # name → User
    enterprises: dict[str, Any] = field(default_factory=dict)  # name → Enterprise

    def resolve(self, text: str) -> tuple[str, str] | None:
        """Longest known name at the start of ``text`` → (name, url)."""
        for end in range(len(text), 0, -1):
            name = text[:end]
            if name in self.users:
                return name, reverse("accounts:member", args=[self.users[name].pk])
            if name in self.enterprises:
                return name, reverse("enterprises:detail", args=[self.enterprises[name].pk])
        return None


def mentions_find(text: str) -> Mentions:
    """Members and enterprises @-named in ``text``. A member's display name is not unique: a name
    that more than one active member carries links to nobody rather than to the wrong person."""
    from parkos.accounts.models import User
    from parkos.enterprises.models import Enterprise

    found = Mentions()
    heads = [m.group(1) for m in MENTION_RE.finditer(text)][:MAX_MENTIONS]
    if not heads:
        return found
    candidates = {h[:n] for h in heads for n in range(1, len(h) + 1)}
    by_name: dict[str, list[Any]] = {}
    for u in User.objects.filter(is_active=True, display_name__in=candidates).only("id", "display_name", "language",
                                                                                  "is_active"):
        by_name.setdefault(u.display_name, []).append(u)
    found.users = {name: us[0] for name, us in by_name.items() if len(us) == 1}
    for e in Enterprise.objects.filter(is_active=True, short_name__in=candidates).only("id", "name", "short_name"):
        found.enterprises.setdefault(e.short_name, e)
    for e in Enterprise.objects.filter(is_active=True, name__in=candidates).only("id", "name", "short_name"):
        found.enterprises.setdefault(e.name, e)
    return found


def speaker(actor: Any, post: Post) -> str:
    return post.enterprise.name if post.enterprise_id and post.enterprise else actor.display_name


def mentions_notify(*, actor: Any, post: Post, mentions: Mentions, used: set[str], url: str, where: Any) -> None:
    """Tell the members named, and the admins of the enterprises named, who may read the post."""
    from parkos.enterprises.selectors import admins_of
    from parkos.notifications.services import notification_send

    users = [mentions.users[n] for n in used if n in mentions.users]
    ent_ids = [mentions.enterprises[n].pk for n in used if n in mentions.enterprises and n not in mentions.users]
    if ent_ids:
        users += list(admins_of(ent_ids))
    recipients = readers({u.pk: u for u in users}.values(), post)
    if recipients:
        notification_send(recipients=recipients, kind="mention",
                          title=format_lazy(_("{name} mentioned you"), name=speaker(actor, post)),
                          body=where, url=url, actor=actor)
