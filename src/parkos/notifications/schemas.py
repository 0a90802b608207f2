from __future__ import annotations

from datetime import datetime

from ninja import Schema


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    actor_id: int | None
    created_at: datetime
    read_at: datetime | None


class UnreadCountOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int


class PreferenceOut(Schema):
    kind: str
    label: str
    in_app: bool
    email: str
    critical: bool


class PreferenceIn(Schema):
    kind: str
    in_app: bool = True
    email: str


class PreferencesIn(Schema):
    preferences: list[PreferenceIn]
