"""The access API under /api/v1/access/: devices (device keys), gates (operators), presence, visitors and
apps (app tokens for the app's own calls)."""

from ninja import Router

from parkos.access.api import apps, devices, gates, presence, visitors

router = Router(tags=["access"])
for part in (devices, gates, presence, visitors, apps):
    router.add_router("/access", part.router)
