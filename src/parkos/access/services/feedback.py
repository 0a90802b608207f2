"""Members' feedback on a tenant's gate device or app ("how did the new face gate work for you?"): it
reaches the enterprise that made the device or app (the seed's "real interaction and feedback for
enterprises' new products"). The tenant sees the rating and the words, never who wrote them: passing a
member's identity to another enterprise would need a consent of its own (PIPL art. 23)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.access.models import App, Feedback, Gate
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Invalid, NotFound, field_error
from parkos.core.text import clean_text

TEXT_MAX = 500
# Feedback goes to the tenants' admins and is meant as one member's word per device per day.
FEEDBACK_KIND = "feedback"


def _day_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    day = timezone.localdate(now)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def _rating(value: Any) -> int:
    try:
        rating = int(value)
    except (TypeError, ValueError):
        raise field_error("rating", _("Choose from 1 to 5 stars."), code=ErrorCode.REQUIRED) from None
    if not 1 <= rating <= 5:
        raise field_error("rating", _("Choose from 1 to 5 stars."), code=ErrorCode.OUT_OF_RANGE)
    return rating


def feedback_give(*, actor: Any, gate: Gate | None = None, app: App | None = None, rating: Any,
                  text: Any = "") -> Feedback:
    """Give feedback on a gate (for its ``vendor_enterprise``) or an app (for its ``owner_enterprise``).

    One per member per device (or app) per local day: the member's account row is locked while checking,
    so two quick submissions from two tabs make one. The enterprise's admins are notified."""
    policy.require(actor, "access.feedback.give")
    if (gate is None) == (app is None):
        raise Invalid(_("Give feedback on one gate or one app."), code=ErrorCode.INVALID)
    if gate is not None and (not gate.is_active or gate.vendor_enterprise_id is None):
        raise NotFound(_("This gate takes no feedback."))
    if app is not None and (not app.is_active or app.owner_enterprise_id is None):
        raise NotFound(_("This app takes no feedback."))
    subject: Gate | App = gate if gate is not None else app  # type: ignore[assignment]
    enterprise_id = gate.vendor_enterprise_id if gate is not None else app.owner_enterprise_id  # type: ignore[union-attr]
    assert enterprise_id is not None  # checked above
    stars = _rating(rating)
    words = clean_text(text, field="text", limit=TEXT_MAX, required=False, markup=False)
    from parkos.accounts.models import User

    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()
        start, end = _day_bounds(timezone.now())
        same = Feedback.objects.filter(user_id=actor.pk, created_at__gte=start, created_at__lt=end)
        same = same.filter(gate=gate) if gate is not None else same.filter(app=app)
        if same.exists():
            raise Conflict(_("You already gave feedback on this today. Thank you!"), code=ErrorCode.ALREADY_DONE)
        feedback = Feedback(park_id=subject.park_id, user_id=actor.pk, gate=gate, app=app,
                            enterprise_id=enterprise_id, rating=stars, text=words)
        feedback.full_clean()
        feedback.save()
        _notify(feedback, subject_name=str(subject))
    return feedback


def _notify(feedback: Feedback, *, subject_name: str) -> None:
    from parkos.enterprises.selectors import admins_of
    from parkos.notifications.services import notification_send

    notification_send(
        recipients=list(admins_of(feedback.enterprise_id)), kind=FEEDBACK_KIND,
        title=format_lazy(_("New feedback on {name}: {stars} of 5"), name=subject_name, stars=feedback.rating),
        body=feedback.text, url=reverse("access:feedback_inbox") + f"?enterprise={feedback.enterprise_id}")
