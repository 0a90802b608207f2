from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from parkos.core.schemas import BigInt, Id, Int, SmallInt


class QuestionIn(Schema):
    id: str | None = None
    label: str
    kind: str = "text"
    choices: list[str] = []
    required: bool = False


class QuestionOut(Schema):
    id: str
    label: str
    kind: str
    choices: list[str] = []
    required: bool


class EventIn(Schema):
    title: str
    description: str = ""
    starts_at: datetime
    ends_at: datetime
    place_kind: str = "park"
    building: Id | None = None
    place: str = ""
    map_room_id: BigInt | None = None
    online_url: str = ""
    capacity: Int
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    audience: str = "everyone"
    invitees: list[Id] | None = None
    questions: list[QuestionIn] = []
    price_points: Int = 0
    offer_hours: SmallInt = 24
    enterprise: Id | None = Field(None, description="organise for this enterprise (you are on its staff)")
    group: Id | None = Field(None, description="organise for this interest group (you are its admin)")
    park: str | None = Field(None, description="the park (code or id) of an event without a venue building; "
                                               "with one, the building's park. Default: the current park (chosen, else the member's first)")


class EventPatch(Schema):
    title: str | None = None
    description: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    place_kind: str | None = None
    building: Id | None = None
    place: str | None = None
    map_room_id: BigInt | None = None
    online_url: str | None = None
    capacity: Int | None = None
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    audience: str | None = None
    invitees: list[Id] | None = None
    questions: list[QuestionIn] | None = None
    price_points: Int | None = None
    offer_hours: SmallInt | None = None


class EventOut(Schema):
    id: int
    park: str
    park_name: str
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    place_kind: str
    location: str
    online: bool
    capacity: int
    taken: int
    waiting: int
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    audience: str
    enterprise_id: int | None
    group_id: int | None
    organiser: str
    questions: list[QuestionOut]
    price_points: int
    status: str
    my_status: str | None = None
    url: str

    @staticmethod
    def resolve_park(obj: Any) -> str:
        return str(obj.park.code)

    @staticmethod
    def resolve_park_name(obj: Any) -> str:
        return str(obj.park.display_name())

    @staticmethod
    def resolve_online(obj: Any) -> bool:
        return bool(obj.place_kind == "online")

    @staticmethod
    def resolve_organiser(obj: Any) -> str:
        return str(obj.created_by.display_name) if obj.created_by_id else ""

    @staticmethod
    def resolve_taken(obj: Any) -> int:
        return int(getattr(obj, "taken", 0))

    @staticmethod
    def resolve_waiting(obj: Any) -> int:
        return int(getattr(obj, "waiting", 0))

    @staticmethod
    def resolve_my_status(obj: Any) -> str | None:
        return getattr(obj, "my_status", None)

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return f"/events/{obj.pk}/"


class RegisterIn(Schema):
    answers: dict[str, str] = {}


class RegistrationOut(Schema):
    id: int
    event_id: int
    status: str
    queued_at: datetime
    offer_expires_at: datetime | None
    points: int
    answers: dict[str, str]
    waitlist_position: int | None = None
    ticket_payload: str | None = None
    short_code: str | None = None

    @staticmethod
    def resolve_waitlist_position(obj: Any) -> int | None:
        from parkos.events.selectors import waitlist_position

        return waitlist_position(obj)

    @staticmethod
    def resolve_ticket_payload(obj: Any) -> str | None:
        from parkos.events.tickets import payload_of

        return payload_of(obj.event_id, obj.ticket_code) if obj.status == "confirmed" else None

    @staticmethod
    def resolve_short_code(obj: Any) -> str | None:
        return str(obj.short_code) if obj.status == "confirmed" else None


class RegistrantOut(Schema):
    id: int
    user_id: int
    name: str
    status: str
    queued_at: datetime
    answers: dict[str, str]
    points: int
    checked_in_at: datetime | None

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.user.display_name)

    @staticmethod
    def resolve_checked_in_at(obj: Any) -> datetime | None:
        return obj.checkin.checked_in_at if hasattr(obj, "checkin") else None


class ScanIn(Schema):
    payload: str = ""
    ticket: str = ""
    device: str = ""
    scanned_at: datetime | None = None


class ScansIn(Schema):
    scans: list[ScanIn]


class ScanOut(Schema):
    status: str
    message: str
    registration_id: int | None
    name: str
    checked_in_at: datetime | None
    device: str
    ticket: str


class CancelIn(Schema):
    reason: str = ""
