"""The seam to interest groups, which the community domain owns.

Events only need three answers about a group: does it exist, is this person one of its admins, and
which groups is this person in. Until ``parkos.community.models.Group`` exists, no event can be
organised by or restricted to a group (every answer is "no"). Once it exists, the answers come
from ``Group.relations_for(user)`` (the policy convention: "group_admin" / "group_member") and from
a membership model with ``group`` and ``user`` fields (``GroupMembership`` or ``GroupMember``); if
community settles on other names, this file is the only place to change.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Model

ACTIVE_STATUSES = ("active", "approved", "member")


def _model(name: str) -> type[Model] | None:
    try:
        return apps.get_model("community", name)
    except LookupError:
        return None


def _membership_model() -> type[Model] | None:
    for name in ("GroupMembership", "GroupMember", "Membership"):
        model = _model(name)
        if model is not None and {"group", "user"} <= {f.name for f in model._meta.get_fields()}:
            return model
    return None


def group_get(group_id: int) -> Any | None:
    group_model = _model("Group")
    if group_model is None:
        return None
    return group_model._default_manager.filter(pk=group_id).first()


def _relations(user: Any, group_id: int) -> set[str]:
    group = group_get(group_id)
    if group is None or not getattr(user, "is_authenticated", False):
        return set()
    relations_for = getattr(group, "relations_for", None)
    return set(relations_for(user)) if relations_for else set()


def is_group_admin(user: Any, group_id: int) -> bool:
    return "group_admin" in _relations(user, group_id)


def _active(qs: Any, model: type[Model]) -> Any:
    if "status" in {f.name for f in model._meta.get_fields()}:
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    return qs


def group_ids_of(user: Any) -> list[int]:
    """The groups ``user`` belongs to (empty without a community membership model)."""
    model = _membership_model()
    if model is None or not getattr(user, "is_authenticated", False):
        return []
    return list(_active(model._default_manager.filter(user=user), model).values_list("group_id", flat=True))


def member_ids_of(group_id: int) -> list[int]:
    model = _membership_model()
    if model is None:
        return []
    return list(_active(model._default_manager.filter(group_id=group_id), model).values_list("user_id", flat=True))
