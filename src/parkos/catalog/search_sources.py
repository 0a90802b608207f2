"""The "service" search source: active services of the catalog, public.

Indexed with their tags, category (and parent category) names and provider, so that "商标", "知识产权"
or a provider's name all find a service. An inactive service is outside the queryset, hence removed
from the index when it is re-indexed (services/catalog.py does that after every change)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from parkos.search.models import Visibility
from parkos.search.registry import IndexDoc, register


def _services() -> QuerySet[Any]:
    from parkos.catalog.models import Service

    return Service.objects.filter(is_active=True, provider__is_active=True).select_related(
        "category", "category__parent", "provider")


def _service_doc(s: Any) -> IndexDoc:
    category = s.category
    categories = [c for c in (category, category.parent) if c is not None]
    materials = [str(m) for m in s.materials if m] if isinstance(s.materials, list) else []
    body = s.description_zh or s.description_en
    if materials:
        body = f"{body}\n所需材料：{'、'.join(materials)}"
    return IndexDoc(
        title=s.name_zh, url=reverse("catalog:service_detail", args=[s.pk]), body=body,
        tags=[*(str(t) for t in s.tags if t), *(c.name_zh for c in categories)],
        names=[n for n in (s.name_zh, s.name_en) if n],
        keywords=[k for k in (s.provider.name, s.provider.name_en, s.name_en, s.code,
                              *(c.name_en for c in categories)) if k],
        visibility=Visibility.PUBLIC, boost=1.2, published_at=s.created_at,
    )


register("service", queryset=_services, build=_service_doc)
