"""The "policy" search source: active policies whose deadline has not passed, public.

A policy past its deadline leaves the index on the next re-index (``parkos reindex``); saving a policy
re-indexes it at once (services/policies.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from parkos.search.models import Visibility
from parkos.search.registry import IndexDoc, register


def _policies() -> QuerySet[Any]:
    from parkos.catalog.models import Policy

    return Policy.objects.filter(is_active=True).filter(
        Q(deadline__isnull=True) | Q(deadline__gte=timezone.localdate())).select_related("service")


def _policy_doc(p: Any) -> IndexDoc:
    body = "\n".join(x for x in (p.summary, p.benefit) if x)
    return IndexDoc(
        title=p.title, url=reverse("catalog:policy_detail", args=[p.pk]), body=body,
        tags=["政策", p.issuer], names=[p.title], keywords=[k for k in (p.code, p.service.name_zh if p.service else "")
                                                           if k],
        visibility=Visibility.PUBLIC, boost=1.1, published_at=p.created_at,
    )


register("policy", queryset=_policies, build=_policy_doc)
