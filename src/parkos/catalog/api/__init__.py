"""The catalog API: one router per part, mounted together."""

from ninja import Router

from parkos.catalog.api.catalog import router as catalog_router
from parkos.catalog.api.orders import router as orders_router
from parkos.catalog.api.policies import router as policies_router
from parkos.catalog.api.reports import router as reports_router
from parkos.catalog.api.workspace import router as workspace_router

router = Router(tags=["catalog"])
router.add_router("", catalog_router)
router.add_router("", orders_router)
router.add_router("", workspace_router)
router.add_router("", policies_router)
router.add_router("", reports_router)
