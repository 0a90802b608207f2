"""The index sources of what exists so far: enterprises and public member profiles.

They read through the domains' models the way the domains' selectors do (active enterprises are
public; public profiles of active users are visible to logged-in members). Later domains register
their own sources the same way."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from parkos.search.models import Visibility
from parkos.search.registry import IndexDoc, register


def _enterprises() -> QuerySet[Any]:
    from parkos.enterprises.models import Enterprise

    return Enterprise.objects.filter(is_active=True).select_related("industry", "building")


def _enterprise_doc(e: Any) -> IndexDoc:
    tags = [*e.tags, e.industry.name_zh]
    names = [n for n in (e.name, e.short_name, e.name_en) if n]
    return IndexDoc(
        title=e.name, url=reverse("enterprises:detail", args=[e.pk]),
        body="\n".join(p for p in (e.description, e.needs) if p),
        tags=[t for t in tags if t], names=names, keywords=[n for n in (e.short_name, e.name_en, e.industry.name_en, e.location) if n],
        visibility=Visibility.PUBLIC, boost=1.3,
        published_at=e.created_at,
    )


def _people() -> QuerySet[Any]:
    from parkos.accounts.models import User

    # A hidden or deactivated profile is outside the index: it is removed, never filtered at query time.
    return User.objects.filter(is_active=True, is_public=True)


def _person_doc(u: Any) -> IndexDoc:
    return IndexDoc(
        title=u.display_name, url=reverse("accounts:member", args=[u.pk]), body=u.bio or "",
        tags=[str(t) for t in (*u.skills, *u.interests)], names=[u.display_name],
        visibility=Visibility.MEMBERS, boost=1.0, published_at=u.date_joined,
    )


register("enterprise", queryset=_enterprises, build=_enterprise_doc)
register("person", queryset=_people, build=_person_doc)
