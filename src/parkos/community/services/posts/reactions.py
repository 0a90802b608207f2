"""Reactions to posts, and following members and enterprises."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from parkos.community.models import ContentStatus, Follow, Post, Reaction
from parkos.community.services.posts.score import rescore
from parkos.community.services.posts.visibility import can_read
from parkos.core import policy
from parkos.core.errors import ErrorCode, Invalid, NotFound, field_error


def reaction_toggle(*, actor: Any, post: Post, kind: str) -> bool:
    """Add the actor's reaction of this kind, or take it back. Returns True when it is now on.
    The unique constraint makes a double click count once."""
    policy.require(actor, "community.react")
    if kind not in Reaction.Kind.values:
        raise field_error("kind", _("Unknown reaction."), code=ErrorCode.INVALID_CHOICE)
    if not can_read(actor, post) or post.status != ContentStatus.VISIBLE:
        raise NotFound(_("No such post."))
    with transaction.atomic():
        deleted, _rows = Reaction.objects.filter(post=post, user=actor, kind=kind).delete()
        if deleted:
            Post.objects.filter(pk=post.pk).update(reaction_count=F("reaction_count") - 1)
            on = False
        else:
            try:
                with transaction.atomic():
                    Reaction.objects.create(post=post, user=actor, kind=kind)
            except IntegrityError:
                return True
            Post.objects.filter(pk=post.pk).update(reaction_count=F("reaction_count") + 1)
            on = True
        rescore(post.pk)
    return on


def follow_toggle(*, actor: Any, user: Any = None, enterprise: Any = None) -> bool:
    """Follow a member or an enterprise, or stop. Returns True when now following."""
    policy.require(actor, "community.follow")
    if (user is None) == (enterprise is None):
        raise Invalid(_("Follow one member or one enterprise."))
    if user is not None and user.pk == actor.pk:
        raise Invalid(_("You cannot follow yourself."), code=ErrorCode.OWN_CONTENT)
    target = {"user": user} if user is not None else {"enterprise": enterprise}
    with transaction.atomic():
        deleted, _rows = Follow.objects.filter(follower=actor, **target).delete()
        if deleted:
            return False
        try:
            with transaction.atomic():
                Follow.objects.create(follower=actor, **target)
        except IntegrityError:
            pass
    return True
