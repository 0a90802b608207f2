"""API schemas of data rooms: rooms, documents, grants with their consent, the access log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from parkos.core.schemas import Id


class DataRoomIn(Schema):
    enterprise: Id = Field(description="my enterprise (its admins only)")
    title: str = Field(description="up to 100 characters")
    terms: str = Field(description="the confidentiality terms investors accept before reading")


class DataRoomPatch(Schema):
    title: str | None = None
    terms: str | None = Field(None, description="new terms raise the version: everyone accepts them again")


class DataRoomOut(Schema):
    id: int
    enterprise_id: int
    enterprise: str
    title: str
    terms: str
    terms_version: int
    documents: int
    created_at: datetime

    @staticmethod
    def resolve_enterprise(obj: Any) -> str:
        return str(obj.enterprise.name)

    @staticmethod
    def resolve_documents(obj: Any) -> int:
        count = getattr(obj, "document_count", None)
        return int(count) if count is not None else obj.documents.filter(removed_at__isnull=True).count()


class DocumentOut(Schema):
    id: int
    kind: str
    title: str
    name: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime
    url: str = Field(description="GET it (add ?download=1 for an attachment); every fetch is logged")

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return f"/api/v1/network/documents/{obj.pk}"


class DataRoomDetailOut(DataRoomOut):
    may_manage: bool
    my_grant: GrantOut | None = Field(description="my access (investors)")
    document_list: list[DocumentOut] = Field(description="empty without a current access")


class GrantIn(Schema):
    investor: Id
    days: int = Field(30, ge=1, le=365, description="from now; default 30, at most 365")


class GrantConsentIn(Schema):
    terms_version: int | None = Field(None, description="the version I read; refused if the terms changed since")


class GrantOut(Schema):
    id: int
    room: int
    investor: int
    investor_name: str
    granted_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    consented_at: datetime | None
    consent_version: int | None
    consent_current: bool
    current: bool

    @staticmethod
    def resolve_room(obj: Any) -> int:
        return int(obj.room_id)

    @staticmethod
    def resolve_investor(obj: Any) -> int:
        return int(obj.investor_id)

    @staticmethod
    def resolve_investor_name(obj: Any) -> str:
        return str(obj.investor.user.display_name)

    @staticmethod
    def resolve_consent_current(obj: Any) -> bool:
        from parkos.network.services.datarooms import consent_current

        return consent_current(obj)

    @staticmethod
    def resolve_current(obj: Any) -> bool:
        return bool(obj.is_current())


class LogOut(Schema):
    id: int
    action: str
    who: str
    document: str
    ip: str | None
    at: datetime

    @staticmethod
    def resolve_who(obj: Any) -> str:
        return obj.user.display_name if obj.user_id else ""

    @staticmethod
    def resolve_document(obj: Any) -> str:
        return obj.document.title if obj.document_id else ""


DataRoomDetailOut.model_rebuild()
