"""The community API: one router per part, mounted together."""

from ninja import Router

from parkos.community.api.groups import router as groups_router
from parkos.community.api.moderation import router as moderation_router
from parkos.community.api.posts import router as posts_router
from parkos.community.api.suggestions import router as suggestions_router

router = Router(tags=["community"])
router.add_router("", posts_router)
router.add_router("", groups_router)
router.add_router("", suggestions_router)
router.add_router("", moderation_router)
