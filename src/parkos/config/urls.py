from django.conf import settings
from django.contrib import admin
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import include, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import JavaScriptCatalog, set_language
from django.views.static import serve

from parkos.community.views import posts as community_posts
from parkos.config.api import api
from parkos.core.errors import ErrorCode
from parkos.core.middleware import error_json

admin.site.site_header = "ParkOS"
admin.site.site_title = "ParkOS"

urlpatterns = [
    path("", include("parkos.core.urls")),
    path("accounts/", include("parkos.accounts.urls")),
    path("enterprises/", include("parkos.enterprises.urls")),
    path("search/", include("parkos.search.urls")),
    path("services/", include("parkos.catalog.urls")),
    path("community/", include("parkos.community.urls")),
    path("events/", include("parkos.events.urls")),
    path("scenes/", include("parkos.scenes.urls")),
    path("access/", include("parkos.access.urls")),
    path("rewards/", include("parkos.rewards.urls")),
    path("bookings/", include("parkos.bookings.urls")),
    path("insights/", include("parkos.insights.urls")),
    path("network/", include("parkos.network.urls")),
    path("competitions/", include("parkos.competitions.urls")),
    path("notifications/", include("parkos.notifications.urls")),
    path("space/", include("parkos.space.urls")),
    path("audit/", include("parkos.audit.urls")),
    path("", include("parkos.ops.urls")),  # /health, /ready, /metrics, /ops/
    path("i18n/setlang/", set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/", api.urls),
    path("api/openapi.json", lambda request: JsonResponse(api.get_openapi_schema(path_prefix="/api/v1/"))),
    path("api/docs", lambda request: redirect("/api/v1/docs")),
    # Any other address under /api/ is "not found" in the API's envelope, not an HTML page.
    # (CSRF-exempt: a PATCH to a mistyped address is "not found" too, not the CSRF failure page.)
    re_path(r"^api/", csrf_exempt(lambda request, *args, **kwargs: error_json(404, ErrorCode.NOT_FOUND,
                                                                              _("Not found.")))),
    path("admin/", admin.site.urls),
    # User uploads in embedded mode (scale-out deployments point MEDIA_URL at object storage).
    re_path(r"^media/(?P<path>avatars/[\w\-.]+)$", serve, {"document_root": settings.MEDIA_ROOT}),
    # A post's images are checked against the post: a private group's pictures never leak by URL.
    re_path(r"^media/community/(?P<post_id>\d+)/(?P<name>[\w\-.]+)$", community_posts.post_image,
            name="community_post_image"),
]
