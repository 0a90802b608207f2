"""Warnings and suspensions an operator gives a member, and lifting a suspension."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.community.models.moderation import MemberStanding, ModerationAction, Sanction
from parkos.community.services.moderation.audit import audit, reason_clean
from parkos.community.services.moderation.trust import standing_get
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Invalid, field_error

Verb = ModerationAction.Verb
MAX_SUSPENSION = timedelta(days=365)


def member_warn(*, actor: Any, user: Any, reason: Any) -> Sanction:
    from parkos.notifications.services import notification_send

    policy.require(actor, "community.moderate")
    text = reason_clean(reason)
    with transaction.atomic():
        sanction = Sanction.objects.create(user=user, kind=Sanction.Kind.WARNING, reason=text, given_by=actor)
        audit(actor=actor, verb=Verb.WARN, subject=user, reason=text)
        standing_get(user, fresh=True)
        notification_send(recipients=[user], kind="moderation", title=_("You received a warning from the moderators"),
                          body=text, url=reverse("community:moderation_mine"), actor=actor)
    return sanction


def member_suspend(*, actor: Any, user: Any, until: datetime, reason: Any) -> Sanction:
    """Suspend until ``until``: no posts, comments, reports or suggestions before then."""
    from parkos.notifications.services import notification_send

    policy.require(actor, "community.moderate")
    text = reason_clean(reason)
    now = timezone.now()
    if not isinstance(until, datetime) or timezone.is_naive(until):
        raise field_error("until", _("Give the end of the suspension as a date and time."))
    if until <= now:
        raise field_error("until", _("The suspension must end in the future."), code=ErrorCode.IN_THE_PAST)
    if until - now > MAX_SUSPENSION:
        raise field_error("until", _("A suspension lasts at most a year."), code=ErrorCode.TOO_LONG)
    if user.pk == actor.pk:
        raise Invalid(_("You cannot suspend yourself."))
    with transaction.atomic():
        standing, _c = MemberStanding.objects.select_for_update().get_or_create(user_id=user.pk)
        standing.suspended_until, standing.suspension_reason = until, text
        standing.trust_level, standing.trust_computed_at = 0, now
        standing.save()
        sanction = Sanction.objects.create(user=user, kind=Sanction.Kind.SUSPENSION, reason=text, ends_at=until,
                                           given_by=actor)
        audit(actor=actor, verb=Verb.SUSPEND, subject=user, reason=text)
        when = formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")
        notification_send(recipients=[user], kind="moderation",
                          title=format_lazy(_("Your account is suspended until {until}"), until=when),
                          body=text, url=reverse("community:moderation_mine"), actor=actor)
    return sanction


def member_unsuspend(*, actor: Any, user: Any, reason: Any = "") -> None:
    from parkos.notifications.services import notification_send

    policy.require(actor, "community.moderate")
    text = reason_clean(reason, required=False)
    with transaction.atomic():
        standing, _c = MemberStanding.objects.select_for_update().get_or_create(user_id=user.pk)
        if not standing.is_suspended:
            raise Conflict(_("This member is not suspended."))
        now = timezone.now()
        standing.suspended_until = None
        standing.save(update_fields=["suspended_until"])
        Sanction.objects.filter(user_id=user.pk, kind=Sanction.Kind.SUSPENSION, lifted_at__isnull=True,
                                ends_at__gt=now).update(lifted_at=now)
        audit(actor=actor, verb=Verb.UNSUSPEND, subject=user, reason=text)
        standing_get(user, fresh=True)
        notification_send(recipients=[user], kind="moderation", title=_("Your suspension was lifted"), body=text,
                          url=reverse("community:moderation_mine"), actor=actor)
