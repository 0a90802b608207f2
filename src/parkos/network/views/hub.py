"""Pages: the network's hub (/network/), one page that leads to every part of it — the partner network
(map, partners, landing), capital (funds, investors, the park's financing figures) and what is the
member's own there (as an investor: matches, pipeline, introductions, data rooms; as an enterprise's
admin: its financing, matched investors, introductions, data rooms)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from parkos.core import policy
from parkos.core.parks import current_park
from parkos.enterprises.selectors import employer_of, is_staff
from parkos.network.models import Contact, Investor
from parkos.network.selectors.partners import network_figures


@login_required
def hub(request: HttpRequest) -> HttpResponse:
    user = request.user
    uid = int(user.pk or 0)
    policy.require(user, "network.partner.view")
    park = current_park(request)
    enterprise = employer_of(user)
    admin_of = enterprise if enterprise is not None and is_staff(user, enterprise, admin=True) else None
    return render(request, "network/hub.html", {
        "park": park, "figures": network_figures(viewer=user),
        "enterprise": enterprise, "admin_of": admin_of,
        "is_investor_here": policy.can(user, "network.match.as_investor"),
        "has_investor_profile": Investor.objects.filter(user_id=uid).exists(),
        "is_partner_contact": Contact.objects.filter(user_id=uid).exists(),
        "manages_landing": policy.can(user, "network.landing.manage", park),
        "manages_partners": policy.can(user, "network.partner.manage", policy.PORTFOLIO),
    })


urlpatterns: list[URLPattern] = [path("", hub, name="hub")]
