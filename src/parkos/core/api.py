"""The parks of the portfolio over the API: the public list, the member's parks and following a park.

Registered by ``config/api.py`` under ``/api/v1/``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from parkos.core import parks as park_service
from parkos.core.models import Park

router = Router(tags=["parks"])


class ParkOut(Schema):
    """A park of the portfolio, as anyone may see it."""

    code: str = Field(description="short Latin name, used in ?park= filters")
    name: str
    name_en: str
    address: str
    opening_hours: str
    brand_colour: str = Field(description="#rrggbb")
    accent_colour: str = Field(description="#rrggbb")
    logo_url: str = Field(description="absolute address of the logo; empty when the park has none")
    is_default: bool = Field(description="shown to visitors who have not chosen a park")


class ParkMineOut(ParkOut):
    """One of the member's parks and why it is theirs."""

    reasons: list[str] = Field(description="employer (their enterprise's park), followed, role")
    following: bool


class ParkFollowOut(Schema):
    code: str
    following: bool


def _park_out(request: HttpRequest, park: Park) -> dict[str, Any]:
    colours = park_service.park_colours(park)
    logo = park_service.park_logo_url(park)
    return {"code": park.code, "name": park.name, "name_en": park.name_en, "address": park.address,
            "opening_hours": park.opening_hours, "brand_colour": colours["brand"],
            "accent_colour": colours["accent"], "logo_url": request.build_absolute_uri(logo) if logo else "",
            "is_default": park.is_default}


@router.get("/parks", response=list[ParkOut], auth=None)
def park_list(request: HttpRequest) -> Any:
    """Every active park of the portfolio (public)."""
    return [_park_out(request, park) for park in park_service.park_list()]


@router.get("/me/parks", response=list[ParkMineOut])
def my_parks(request: HttpRequest) -> Any:
    """The parks the member belongs to: their enterprise's, the ones they follow, the ones where they hold
    a role."""
    reasons = park_service.park_reasons_of(request.user)
    order = [park_service.EMPLOYER, park_service.FOLLOWED, park_service.ROLE]
    return [{**_park_out(request, park), "reasons": [r for r in order if r in reasons[park.pk]],
             "following": park_service.FOLLOWED in reasons[park.pk]}
            for park in park_service.park_list() if park.pk in reasons]


@router.put("/me/parks/{code}/follow", response=ParkFollowOut)
def park_follow(request: HttpRequest, code: str) -> Any:
    """Follow a park (idempotent: following it again changes nothing)."""
    park = park_service.park_choose(code=code)
    park_service.park_follow(actor=request.user, park=park, follow=True)
    return {"code": park.code, "following": True}


@router.delete("/me/parks/{code}/follow", response=ParkFollowOut)
def park_unfollow(request: HttpRequest, code: str) -> Any:
    """Stop following a park (idempotent). The park of one's enterprise stays one's park."""
    park = park_service.park_choose(code=code)
    park_service.park_follow(actor=request.user, park=park, follow=False)
    return {"code": park.code, "following": False}
