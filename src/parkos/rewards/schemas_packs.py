"""API schemas of gift packs: packs and their items (operators), grants, claims with pickup codes and
service credits (members), the pickup desk."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from parkos.core.schemas import Id, Int, SmallInt


class PackIn(Schema):
    name: str
    description: str = ""
    audience: str = Field("park", description='"park": staff of the park\'s enterprises; "granted": those granted')
    claim_from: datetime
    claim_until: datetime
    stock: Int = Field(description="how many packs (members) in all")
    park: str | None = Field(None, description="the park (code or id); default: the current park")


class PackPatch(Schema):
    """Any of these; once the pack is open only name, description, claim_until and stock."""

    name: str | None = None
    description: str | None = None
    audience: str | None = None
    claim_from: datetime | None = None
    claim_until: datetime | None = None
    stock: Int | None = None


class ItemIn(Schema):
    kind: str = Field(description='"coupon", "service" or "physical"')
    quantity: SmallInt = 1
    template: Id | None = Field(None, description="coupon: the id of a coupon template of the pack's park")
    service: Id | None = Field(None, description="service: the id of a catalog service offered in the park")
    name: str = Field("", description="physical: the item")
    pickup_place: str = Field("", description="physical: where it is picked up")
    stock: Int | None = Field(None, description="physical: how many there are; empty: as many as packs")


class ItemOut(Schema):
    id: int
    kind: str
    quantity: int
    template: int | None = Field(None, alias="template_id")
    template_name: str | None
    service: int | None = Field(None, alias="service_id")
    service_name: str | None
    name: str
    pickup_place: str
    stock: int | None
    claimed: int

    @staticmethod
    def resolve_template_name(obj: Any) -> str | None:
        return obj.template.name if obj.template_id else None

    @staticmethod
    def resolve_service_name(obj: Any) -> str | None:
        return obj.service.name_zh if obj.service_id else None


class PackOut(Schema):
    id: int
    park: str
    name: str
    description: str
    audience: str
    status: str
    claim_from: datetime
    claim_until: datetime
    stock: int
    claimed: int
    items: list[ItemOut]

    @staticmethod
    def resolve_park(obj: Any) -> str:
        return str(obj.park.code)

    @staticmethod
    def resolve_items(obj: Any) -> list[Any]:
        return list(obj.items.all())


class FigureOut(Schema):
    item: ItemOut
    claimed: int = Field(description="packs that took the item")
    units: int = Field(description="claimed × quantity")
    done: int = Field(description="picked up (an item to pick up) or used (a coupon, a service credit)")
    left: int = Field(description="left over")


class PackDetailOut(Schema):
    pack: PackOut
    figures: list[FigureOut]


class PackGrantIn(Schema):
    people: list[str] = Field(default_factory=list, description="mobile numbers, e-mail addresses or account ids")
    note: str = ""


class PackGrantOut(Schema):
    granted: list[int] = Field(description="the ids of the accounts granted now (not before)")


class PickupOut(Schema):
    id: int
    code: str
    item: str
    pickup_place: str
    quantity: int
    picked_up_at: datetime | None

    @staticmethod
    def resolve_item(obj: Any) -> str:
        return str(obj.item.name)

    @staticmethod
    def resolve_pickup_place(obj: Any) -> str:
        return str(obj.item.pickup_place)

    @staticmethod
    def resolve_quantity(obj: Any) -> int:
        return int(obj.item.quantity)


class CreditOut(Schema):
    id: int
    service: int = Field(alias="service_id")
    service_name: str
    status: str
    order: int | None = Field(None, alias="order_id")
    created_at: datetime
    used_at: datetime | None

    @staticmethod
    def resolve_service_name(obj: Any) -> str:
        return str(obj.service.name_zh)


class ClaimOut(Schema):
    id: int
    pack: int = Field(alias="pack_id")
    pack_name: str
    claimed_at: datetime
    pickups: list[PickupOut]
    credits: list[CreditOut]

    @staticmethod
    def resolve_pack_name(obj: Any) -> str:
        return str(obj.pack.name)

    @staticmethod
    def resolve_pickups(obj: Any) -> list[Any]:
        return list(obj.pickups.all())

    @staticmethod
    def resolve_credits(obj: Any) -> list[Any]:
        return list(obj.credits.all())


class ClaimAdminOut(ClaimOut):
    member: str

    @staticmethod
    def resolve_member(obj: Any) -> str:
        return str(obj.user.display_name)


class CreditUseIn(Schema):
    note: str = ""
    enterprise: Id | None = Field(None, description="the enterprise ordering; default: yours")
    answers: dict[str, Any] | None = Field(None, description="the service's request form, if it has one")


class CreditOrderOut(Schema):
    id: int
    number: str
    status: str


class HandOverIn(Schema):
    code: str = Field(description="the member's 8-character pickup code (typed or scanned)")


class HandOverOut(Schema):
    pickup: PickupOut
    member: str
    pack: str
