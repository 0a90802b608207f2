"""The network API under /api/v1/network/: partners and the map, landing applications, funds, investors
and financing records, matching, introductions and the investors' pipelines, data rooms."""

from ninja import Router

from parkos.network.api import capital, datarooms, introductions, landing, matching, partners

router = Router(tags=["network"])
for part in (partners, landing, capital, matching, introductions, datarooms):
    router.add_router("/network", part.router)
