"""Reads of data rooms: the enterprise's admins see their rooms, grants and log; an investor sees the
rooms shared with them (a grant, current or not, so they can see why they cannot read on) and, while the
grant holds and the terms are accepted, the documents."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from parkos.core import policy
from parkos.core.errors import NotAuthenticated, NotFound
from parkos.network.models import AccessLog, DataRoom, Document, Grant


def dataroom_list(*, viewer: Any) -> QuerySet[DataRoom]:
    """Rooms of the enterprises ``viewer`` is the admin of, and rooms shared with them."""
    from parkos.enterprises.selectors import enterprise_ids_of

    if not getattr(viewer, "is_authenticated", False):
        raise NotAuthenticated()
    shared = Grant.objects.filter(investor__user_id=viewer.pk).values("room_id")
    return (DataRoom.objects.filter(Q(enterprise_id__in=enterprise_ids_of(viewer, admin=True)) | Q(pk__in=shared))
            .select_related("enterprise")
            .annotate(document_count=Count("documents", filter=Q(documents__removed_at__isnull=True), distinct=True))
            .order_by("-created_at", "-id"))


def dataroom_get(*, viewer: Any, room_id: int) -> DataRoom:
    room = dataroom_list(viewer=viewer).filter(pk=room_id).first()
    if room is None:
        raise NotFound(_("No such data room."))
    return room


def may_manage(viewer: Any, room: DataRoom) -> bool:
    return policy.can(viewer, "network.dataroom.manage", room)


def grant_of(*, viewer: Any, room: DataRoom) -> Grant | None:
    """The viewer's latest grant to ``room`` (None when they never had one)."""
    return (Grant.objects.filter(room=room, investor__user_id=getattr(viewer, "pk", 0) or 0)
            .order_by("-granted_at", "-id").first())


def document_list(*, viewer: Any, room: DataRoom) -> QuerySet[Document]:
    """The room's documents: for its admins, and for an investor whose grant holds (they may see the list
    before accepting the terms; opening one needs the consent). Nothing for anyone else."""
    qs = Document.objects.filter(room=room, removed_at__isnull=True).order_by("kind", "title", "id")
    if may_manage(viewer, room):
        return qs
    grant = grant_of(viewer=viewer, room=room)
    if grant is None or not grant.is_current():
        return qs.none()
    return qs


def document_find(*, viewer: Any, document_id: int) -> Document:
    """A document by id for the document endpoint, which decides (and logs) in ``document_open``: 404 for
    anyone who is neither the room's admin nor ever granted it."""
    if not getattr(viewer, "is_authenticated", False):
        raise NotAuthenticated()
    document = Document.objects.select_related("room", "room__enterprise").filter(pk=document_id).first()
    if document is None or not (may_manage(viewer, document.room)
                                or Grant.objects.filter(room=document.room, investor__user_id=viewer.pk).exists()):
        raise NotFound(_("No such document."))
    return document


def grant_list(*, viewer: Any, room: DataRoom) -> QuerySet[Grant]:
    policy.require(viewer, "network.dataroom.manage", room)
    return Grant.objects.filter(room=room).select_related("room", "investor__user", "investor__fund").order_by(
        "-granted_at", "-id")


def grant_get(*, viewer: Any, grant_id: int) -> Grant:
    """A grant for its room's admins or its investor; 404 for anyone else."""
    grant = Grant.objects.select_related("room", "room__enterprise", "investor__user").filter(pk=grant_id).first()
    if grant is None or not (grant.investor.user_id == getattr(viewer, "pk", None)
                             or policy.can(viewer, "network.dataroom.manage", grant.room)):
        raise NotFound(_("No such access."))
    return grant


def access_log_list(*, viewer: Any, room: DataRoom) -> QuerySet[AccessLog]:
    """Who opened what, when and from where: the room's admins only."""
    policy.require(viewer, "network.dataroom.manage", room)
    return AccessLog.objects.filter(room=room).select_related("user", "document").order_by("-at", "-id")
