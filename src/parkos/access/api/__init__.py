"""The access API under /api/v1/access/: devices (device keys), gates (operators), presence, visitors, apps
(the app's own calls use its token) and screening (readings, alerts, feedback)."""

from ninja import Router

from parkos.access.api import apps, devices, gates, presence, screening, visitors

router = Router(tags=["access"])
for part in (devices, gates, presence, visitors, apps, screening):
    router.add_router("/access", part.router)
