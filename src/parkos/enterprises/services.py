"""Writes on enterprises: profile, staff, invitations, admin hand-over and butler assignment."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.accounts.models import User
from parkos.accounts.selectors import user_get_active
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Invalid, NotFound, field_error
from parkos.core.parks import park_default, park_param
from parkos.core.text import clean_text, normalise_plain, parse_tags
from parkos.enterprises.models import Building, Enterprise, Industry, Invitation, Membership
from parkos.enterprises.selectors import admins_of
from parkos.enterprises.validators import normalise_credit_code
from parkos.notifications.services import notification_send

EDITABLE_FIELDS = (
    "name", "name_en", "short_name", "credit_code", "industry", "stage", "headcount", "founded_on", "park", "building",
    "floor", "unit", "website", "description", "tags", "needs",
)
MULTILINE_FIELDS = frozenset({"description", "needs"})
PLAIN_FIELDS = frozenset({"name", "name_en", "short_name", "description", "needs"})  # no markup (model validators)
# An invitation code avoids letters and digits that read alike (0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _lookup(model: type[Industry] | type[Building], value: Any, field: str) -> Any:
    if value in (None, ""):
        return None
    if isinstance(value, model):
        return value
    obj = model.objects.filter(code=str(value)).first()
    if obj is None and str(value).isdigit():
        obj = model.objects.filter(pk=int(value)).first()
    if obj is None:
        raise field_error(field, _("Choose a valid option."), code=ErrorCode.INVALID_CHOICE)
    return obj


def _apply(enterprise: Enterprise, data: dict[str, Any]) -> None:
    for key in EDITABLE_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key == "industry":
            value = _lookup(Industry, value, "industry")
            if value is None:
                raise field_error("industry", _("Choose an industry."), code=ErrorCode.REQUIRED)
        elif key == "building":
            value = _lookup(Building, value, "building")
        elif key == "park":
            value = park_param(value)
            if value is None:
                continue
        elif key == "credit_code":
            value = normalise_credit_code(value or "")
        elif key == "tags":
            try:
                value = parse_tags(value)
            except ValidationError as error:
                raise field_error("tags", error.messages[0], code=error.code or ErrorCode.INVALID) from None
        elif key == "founded_on":
            if isinstance(value, str):
                try:
                    value = date.fromisoformat(value) if value else None
                except ValueError:
                    raise field_error("founded_on", _("Enter a valid date."), code=ErrorCode.INVALID) from None
            if value and value > timezone.localdate():
                raise field_error("founded_on", _("The founding date cannot be in the future."),
                                  code=ErrorCode.IN_THE_FUTURE)
        elif isinstance(value, str):
            # Refused, never cut, past the column's length; the model's validators still run in _validate.
            limit = getattr(Enterprise._meta.get_field(key), "max_length", None) or 2000
            value = clean_text(value, field=key, limit=limit, required=False, multiline=key in MULTILINE_FIELDS, markup=key not in PLAIN_FIELDS)
        elif value is None:
            value = ""
        setattr(enterprise, key, value)
    _place(enterprise, chosen="park" in data and data["park"] not in (None, ""))


def _place(enterprise: Enterprise, *, chosen: bool) -> None:
    """An enterprise is in its building's park; without a building, in the park chosen, else the default."""
    building = enterprise.building
    if building is not None:
        if chosen and enterprise.park_id != building.park_id:
            raise field_error("building", _("This building is in another park."), code=ErrorCode.INVALID_CHOICE)
        enterprise.park_id = building.park_id
    elif enterprise.park_id is None:
        enterprise.park = park_default()


def _validate(enterprise: Enterprise) -> None:
    try:
        enterprise.full_clean(exclude=["butler", "created_by"])
    except ValidationError as error:
        raise Invalid.from_validation_error(error) from None


def enterprise_create(*, actor: User, data: dict[str, Any]) -> Enterprise:
    """Create an enterprise; its creator becomes its admin. A member already on an enterprise's staff
    cannot create another (one employer per person)."""
    policy.require(actor, "enterprise.create")
    enterprise = Enterprise(created_by=actor)
    _apply(enterprise, data)  # places it in its building's park, the park chosen or the default
    _validate(enterprise)
    if Membership.objects.filter(user=actor, status=Membership.Status.ACTIVE).exists():
        raise Conflict(_("You already belong to an enterprise. Leave it before creating another."),
                       code=ErrorCode.ALREADY_MEMBER)
    try:
        with transaction.atomic():
            enterprise.save()
            Membership.objects.create(enterprise=enterprise, user=actor, role=Membership.Role.ADMIN)
    except IntegrityError:
        raise Conflict(_("An enterprise with this name or credit code already exists."),
                       code=ErrorCode.DUPLICATE) from None
    from parkos.search.services import index_on_commit

    index_on_commit("enterprise", enterprise.pk)
    return enterprise


def enterprise_update(*, actor: User, enterprise: Enterprise, data: dict[str, Any]) -> Enterprise:
    policy.require(actor, "enterprise.edit", enterprise)
    with transaction.atomic():
        enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        _apply(enterprise, data)
        _validate(enterprise)
        try:
            enterprise.save()
        except IntegrityError:
            raise Conflict(_("An enterprise with this name or credit code already exists."),
                           code=ErrorCode.DUPLICATE) from None
        from parkos.search.services import index_on_commit

        # Re-index (or, for a deactivated enterprise, remove) once the change has committed.
        index_on_commit("enterprise", enterprise.pk)
    return enterprise


def invitation_create(*, actor: User, enterprise: Enterprise, max_uses: int = 1, expires_in_hours: int = 72,
                      requires_approval: bool = False) -> Invitation:
    policy.require(actor, "enterprise.invite", enterprise)
    if not 1 <= int(max_uses) <= 500:
        raise field_error("max_uses", _("An invitation can be used between 1 and 500 times."),
                          code=ErrorCode.OUT_OF_RANGE)
    if not 1 <= int(expires_in_hours) <= 24 * 30:
        raise field_error("expires_in_hours", _("An invitation can last between 1 hour and 30 days."),
                          code=ErrorCode.OUT_OF_RANGE)
    for _attempt in range(5):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        try:
            with transaction.atomic():
                return Invitation.objects.create(
                    enterprise=enterprise, created_by=actor, token=secrets.token_urlsafe(24), code=code,
                    expires_at=timezone.now() + timedelta(hours=int(expires_in_hours)), max_uses=int(max_uses),
                    requires_approval=requires_approval,
                )
        except IntegrityError:
            continue  # a code collision: draw again
    raise Conflict(_("Could not create an invitation, please try again."), code=ErrorCode.CONFLICT)


def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    policy.require(actor, "enterprise.invite", invitation.enterprise)
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
    return invitation


def invitation_find(*, token: str = "", code: str = "") -> Invitation:
    token = (token or "").strip()
    code = normalise_plain(code or "").upper().replace(" ", "")
    invitation = None
    if token and len(token) <= 64:
        invitation = Invitation.objects.select_related("enterprise").filter(token=token).first()
    elif code and len(code) <= 8:
        invitation = Invitation.objects.select_related("enterprise").filter(code=code).first()
    if invitation is None:
        raise NotFound(_("This invitation does not exist. Check the link or code."), code=ErrorCode.INVITATION_NOT_FOUND)
    return invitation


def invitation_accept(*, user: User, token: str = "", code: str = "") -> Membership:
    """Join an enterprise through an invitation. The invitation row is locked, so a single-use
    invitation admits exactly one person even when two accept at the same moment."""
    found = invitation_find(token=token, code=code)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().select_related("enterprise").get(pk=found.pk)
        if invitation.revoked_at is not None:
            raise Conflict(_("This invitation has been revoked."), code=ErrorCode.INVITATION_REVOKED)
        if invitation.expires_at <= timezone.now():
            raise Conflict(_("This invitation has expired. Ask the enterprise admin for a new one."),
                           code=ErrorCode.INVITATION_EXPIRED)
        if invitation.uses >= invitation.max_uses:
            raise Conflict(_("This invitation has already been used."), code=ErrorCode.INVITATION_USED)
        existing = Membership.objects.filter(user=user).exclude(enterprise=invitation.enterprise)
        if existing.filter(status=Membership.Status.ACTIVE).exists():
            raise Conflict(_("You already belong to another enterprise. Leave it first."), code=ErrorCode.ALREADY_MEMBER)
        if Membership.objects.filter(user=user, enterprise=invitation.enterprise).exists():
            raise Conflict(_("You are already on this enterprise's staff list."), code=ErrorCode.ALREADY_DONE)
        status = Membership.Status.PENDING if invitation.requires_approval else Membership.Status.ACTIVE
        membership = Membership.objects.create(enterprise=invitation.enterprise, user=user,
                                               role=Membership.Role.STAFF, status=status, invitation=invitation)
        invitation.uses += 1
        invitation.save(update_fields=["uses", "updated_at"])
        if status == Membership.Status.PENDING:
            # Sent on commit: a request that rolled back must not ring anyone's bell.
            notification_send(
                recipients=admins_of(invitation.enterprise), kind="enterprise", actor=user,
                title=format_lazy(gettext_lazy("{name} asks to join {enterprise}"), name=user.display_name,
                                  enterprise=invitation.enterprise.display_name),
                url=reverse("enterprises:staff", args=[invitation.enterprise_id]))
    return membership


def _membership(enterprise: Enterprise, user_id: int) -> Membership:
    membership = Membership.objects.select_related("user").filter(enterprise=enterprise, user_id=user_id).first()
    if membership is None:
        raise NotFound(_("This person is not on the enterprise's staff list."), code=ErrorCode.NOT_STAFF)
    return membership


def membership_approve(*, actor: User, enterprise: Enterprise, user_id: int) -> Membership:
    policy.require(actor, "enterprise.staff.manage", enterprise)
    membership = _membership(enterprise, user_id)
    if membership.status == Membership.Status.ACTIVE:
        return membership
    if Membership.objects.filter(user_id=user_id, status=Membership.Status.ACTIVE).exists():
        raise Conflict(_("This person has joined another enterprise in the meantime."), code=ErrorCode.ALREADY_MEMBER)
    with transaction.atomic():
        membership.status = Membership.Status.ACTIVE
        membership.save(update_fields=["status", "updated_at"])
        notification_send(
            recipients=[membership.user], kind="enterprise", actor=actor,
            title=format_lazy(gettext_lazy("You have joined {enterprise}"), enterprise=enterprise.display_name),
            url=reverse("enterprises:detail", args=[enterprise.pk]))
    return membership


def membership_remove(*, actor: User, enterprise: Enterprise, user_id: int) -> None:
    """The admin removes a colleague (or declines a pending one); anyone may leave on their own,
    except the admin, who hands over first."""
    # Permission before existence: someone who may not manage this staff list gets the same refusal
    # whether or not ``user_id`` is on it, so the answer cannot tell who works where.
    if actor.pk != user_id:
        policy.require(actor, "enterprise.staff.manage", enterprise)
    membership = _membership(enterprise, user_id)
    if membership.role == Membership.Role.ADMIN:
        raise Conflict(_("The admin cannot be removed. Hand over the admin role first."), code=ErrorCode.ADMIN_MUST_HAND_OVER)
    declined = membership.status == Membership.Status.PENDING and actor.pk != user_id
    with transaction.atomic():
        membership.delete()
        if declined:
            notification_send(
                recipients=[membership.user], kind="enterprise", actor=actor,
                title=format_lazy(gettext_lazy("{enterprise} declined your request to join"),
                                  enterprise=enterprise.display_name),
                url=reverse("enterprises:join_code"))


def admin_transfer(*, actor: User, enterprise: Enterprise, to_user_id: int) -> Membership:
    """Hand the admin role to an active colleague; the old admin stays on as staff."""
    policy.require(actor, "enterprise.admin.transfer", enterprise)
    target = _membership(enterprise, to_user_id)
    if target.status != Membership.Status.ACTIVE:
        raise Conflict(_("Approve this person before handing over the admin role."), code=ErrorCode.INACTIVE)
    if target.role == Membership.Role.ADMIN:
        return target
    with transaction.atomic():
        current = Membership.objects.select_for_update().get(enterprise=enterprise, role=Membership.Role.ADMIN,
                                                             status=Membership.Status.ACTIVE)
        current.role = Membership.Role.STAFF
        current.save(update_fields=["role", "updated_at"])
        target.role = Membership.Role.ADMIN
        target.save(update_fields=["role", "updated_at"])
    return target


def butler_assign(*, actor: User, enterprise: Enterprise, butler: User | int | None) -> Enterprise:
    """Assign (or, with None, withdraw) the enterprise's butler. ``butler`` may be an account id: it is
    looked up only once the actor may assign butlers, so an id tells nobody else whether it exists."""
    policy.require(actor, "enterprise.butler.assign", enterprise)
    if isinstance(butler, int):
        butler = user_get_active(user_id=butler)
    # The butler must hold the role in the enterprise's park (or portfolio-wide): a butler of another park
    # does not look after this one's enterprises.
    if butler is not None and not policy.can(butler, "enterprise.butler.serve", enterprise):
        raise field_error("butler", _("This person is not an enterprise butler in this park."),
                          code=ErrorCode.NOT_ELIGIBLE)
    enterprise.butler = butler
    enterprise.butler_assigned_at = timezone.now() if butler else None
    enterprise.save(update_fields=["butler", "butler_assigned_at", "updated_at"])
    return enterprise
