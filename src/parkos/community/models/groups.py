"""Interest groups (兴趣社群): public groups anyone may join, private ones that admins approve."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkos.core.models import TimeStampedModel

__all__ = ["GROUP_ADMIN", "GROUP_MEMBER", "Group", "GroupMembership"]

# Relations a user can have to a group (registered with the policy in community/rules.py).
GROUP_ADMIN = "group_admin"
GROUP_MEMBER = "group_member"
# policy.PORTFOLIO's park id: what has no park (a portfolio-wide group, post or case) is reached only by
# roles granted for the whole portfolio, never by one park's operators.
PORTFOLIO_PARK_ID = 0


class Group(TimeStampedModel):
    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: anyone may join and read")
        PRIVATE = "private", _("Private: admins approve members; only members read")

    name = models.CharField(_("name"), max_length=40, unique=True)
    description = models.TextField(_("about"), max_length=1000, blank=True)
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices,
                                  default=Visibility.PUBLIC, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    member_count = models.PositiveIntegerField(_("members"), default=0)
    post_count = models.PositiveIntegerField(_("posts"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # A park-only group, or (empty) one of the whole portfolio: the directory shows a park's groups and
    # the portfolio-wide ones. Operators of that park (portfolio operators for a portfolio-wide group)
    # manage it.
    park = models.ForeignKey("core.Park", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("park"), help_text=_("Empty: every park of the portfolio."))

    class Meta:
        verbose_name = _("interest group")
        verbose_name_plural = _("interest groups")
        ordering = ["-member_count", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def policy_park_id(self) -> int:
        """A portfolio-wide group answers to portfolio operators only (policy.PORTFOLIO's id)."""
        return self.park_id if self.park_id is not None else PORTFOLIO_PARK_ID

    @property
    def is_private(self) -> bool:
        return self.visibility == self.Visibility.PRIVATE

    def relations_for(self, user: Any) -> set[str]:
        if user is None or not getattr(user, "is_authenticated", False):
            return set()
        role = (GroupMembership.objects.filter(group=self, user=user, status=GroupMembership.Status.ACTIVE)
                .values_list("role", flat=True).first())
        if role == GroupMembership.Role.ADMIN:
            return {GROUP_ADMIN, GROUP_MEMBER}
        if role == GroupMembership.Role.MEMBER:
            return {GROUP_MEMBER}
        return set()


class GroupMembership(TimeStampedModel):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Group admin")
        MEMBER = "member", pgettext_lazy("group role", "Member")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        ACTIVE = "active", _("Active")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("group"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships",
                             verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        ordering = ["group", "role", "created_at"]
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="group_membership_unique")]
        indexes = [models.Index(fields=["user", "status"], name="group_membership_user")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.group}"


ACTIVE_ADMIN = Q(role=GroupMembership.Role.ADMIN, status=GroupMembership.Status.ACTIVE)
