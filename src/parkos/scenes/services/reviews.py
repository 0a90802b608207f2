"""Reviews: each party of a closed deal reviews the other once (the reputation in selectors reads them)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.accounts.models import User
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, NotFound, field_error
from parkos.core.text import clean_text
from parkos.scenes import machine, selectors
from parkos.scenes.models import Deal, Review
from parkos.scenes.services._shared import full_clean, notify
from parkos.scenes.services.timeline import deal_url


def review_submit(*, actor: User, deal: Deal, rating: Any, text: str = "") -> Review:
    """Each party reviews the other once (unique per deal and author), after the deal is completed or
    cancelled."""
    if not policy.can(actor, "deal.review", deal):  # the two parties, not their colleagues or admins
        raise NotFound(_("No such deal."))
    if not deal.is_closed:
        raise Conflict(_("You can review once the deal is completed or cancelled."), code=ErrorCode.DEAL_OPEN)
    try:
        value = int(rating)
    except (TypeError, ValueError):
        raise field_error("rating", _("Give 1 to 5 stars.")) from None
    if not 1 <= value <= 5:
        raise field_error("rating", _("Give 1 to 5 stars."), code=ErrorCode.OUT_OF_RANGE)
    subject_id = deal.provider_id if machine.role_of(deal, actor) == machine.PUBLISHER else deal.publisher_id
    review = Review(deal=deal, author=actor, subject_id=subject_id, rating=value,
                    text=clean_text(text, field="text", limit=2000, required=False, markup=False))
    full_clean(review, exclude=["deal", "author", "subject"])
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:
        raise Conflict(_("You have already reviewed this deal."), code=ErrorCode.ALREADY_DONE) from None
    selectors.reputation_forget(deal)
    notify([review.subject], format_lazy("{}: {}", gettext_lazy("New review"), deal.title), deal_url(deal), actor)
    return review
