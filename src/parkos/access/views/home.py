"""The gates' hub (/access/): every access page a person may use, grouped by who they are — a member's
pass, time in the park and visitors; an enterprise admin's aggregates and feedback; an operator's gates,
log, dashboard, reception, apps and screening — so nothing a role can use is left unlinked."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from parkos.core import policy


@login_required
def hub(request: HttpRequest) -> HttpResponse:
    from parkos.enterprises.selectors import enterprise_ids_of, enterprise_list

    user: Any = request.user
    park = request.park  # type: ignore[attr-defined]
    admin_of = list(enterprise_list(viewer=user).filter(pk__in=enterprise_ids_of(user, admin=True)))
    return render(request, "access/home.html", {
        "park": park,
        "operator": park is not None and policy.can(user, "access.configure", park),
        "admin_of": [e for e in admin_of if policy.can(user, "access.presence.enterprise", e)],
    })


urlpatterns: list[URLPattern] = [path("", hub, name="home")]
