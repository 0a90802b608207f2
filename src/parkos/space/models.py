"""The immersive map's tables: maps (Tiled JSON), bans, blocks, room invitations and each member's
choices about being seen (shown as in the park today, followable).

Movement and presence are never stored: they live in the map server's memory (``space/world/``)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkos.core.content import localized
from parkos.core.errors import ErrorCode
from parkos.core.models import TimeStampedModel

NAME_MAX, NAME_EN_MAX = 60, 80  # a map's name (the park's language) and its English name
REASON_MAX = 200  # an operator's reason for a ban
RESERVED_SLUGS = frozenset({"block", "preferences"})  # pages under /space/ that a map's address would hide


def slug_not_reserved(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(_("This address is used by another page of the map; choose another."),
                              code=ErrorCode.TAKEN)


def default_park() -> int:
    """A map made without naming its park belongs to the portfolio's default park."""
    from parkos.core.parks import park_default

    return park_default().pk


class SpaceMap(TimeStampedModel):
    slug = models.SlugField(_("address"), max_length=40, unique=True, validators=[slug_not_reserved])
    name = models.CharField(_("name"), max_length=NAME_MAX)
    name_en = models.CharField(_("name (English)"), max_length=NAME_EN_MAX, blank=True)
    tiled = models.JSONField(_("Tiled map (JSON)"))
    tileset = models.CharField(_("tileset image (static path)"), max_length=200, default="space/park-tiles.png")
    is_active = models.BooleanField(pgettext_lazy("map", "open"), default=True)
    # A map per park: the immersive entry (/space/) opens the current park's default map.
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"),
                             default=default_park)
    is_default = models.BooleanField(_("the park's main map"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("uploaded by"))

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name = _("map")
        verbose_name_plural = _("maps")
        constraints = [models.UniqueConstraint(fields=["park"], condition=models.Q(is_default=True),
                                               name="space_one_default_map_per_park")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The map's name in the reader's language: its English name in English, Traditional characters in
        zh-Hant (core.content)."""
        return localized(self.name, self.name_en)


class MapBan(models.Model):
    map = models.ForeignKey(SpaceMap, on_delete=models.CASCADE, related_name="bans", verbose_name=_("map"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("member"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                           verbose_name=_("banned by"))
    reason = models.CharField(_("reason"), max_length=REASON_MAX, blank=True)
    created_at = models.DateTimeField(_("banned at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ban from a map")
        verbose_name_plural = _("bans from maps")
        constraints = [models.UniqueConstraint(fields=["map", "user"], name="space_ban_unique")]

    def __str__(self) -> str:
        return f"{self.map} · {self.user}"


class Block(models.Model):
    """A member blocked another: on every map, neither sees nor hears the other."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="space_blocks",
                             verbose_name=_("member"))
    blocked = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("blocked member"))
    created_at = models.DateTimeField(_("blocked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(fields=["user", "blocked"], name="space_block_unique"),
            models.CheckConstraint(condition=~models.Q(user=models.F("blocked")), name="space_block_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ⊘ {self.blocked}"


class AreaInvite(models.Model):
    """An invitation into a map area whose access rule is ``invited`` (a meeting room)."""

    map = models.ForeignKey(SpaceMap, on_delete=models.CASCADE, related_name="invites", verbose_name=_("map"))
    area = models.CharField(_("area"), max_length=60)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("member"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                           verbose_name=_("invited by"))
    created_at = models.DateTimeField(_("invited at"), auto_now_add=True)

    class Meta:
        verbose_name = _("room invitation")
        verbose_name_plural = _("room invitations")
        constraints = [models.UniqueConstraint(fields=["map", "area", "user"], name="space_invite_unique")]

    def __str__(self) -> str:
        return f"{self.area} · {self.user}"


class SpacePreference(models.Model):
    """A member's choices on the map. No row means the defaults: not shown as in the park, followable.

    ``show_in_park`` is consent: only members who gave it are ever asked about (``space.presence``) or
    marked as physically in the park today."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="space_preference", verbose_name=_("member"))
    show_in_park = models.BooleanField(
        _("show others that I am physically in the park today"), default=False,
        help_text=_("When the park's gates have let you in today, people on the map see a small marker by "
                    "your avatar. Nothing else is shown: not when you came, nor through which gate."))
    followable = models.BooleanField(
        _("let others find me, walk to me and follow me on the map"), default=True,
        help_text=_("Without it, nobody can use “Go to” or “Follow” on you; they still see you when you are near."))
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("map preference")
        verbose_name_plural = _("map preferences")

    def __str__(self) -> str:
        return str(self.user)
