from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from parkos.accounts.models import AccessToken, Consent, User, UserRole
from parkos.search.admin import ReindexOnSaveMixin


class UserRoleInline(admin.TabularInline):
    model = UserRole
    extra = 0
    fk_name = "user"
    autocomplete_fields = ["granted_by"]


@admin.register(User)
class UserAdmin(ReindexOnSaveMixin, BaseUserAdmin):
    search_kind = "person"
    ordering = ["-date_joined"]
    list_display = ["display_name", "email", "mobile", "education", "is_active", "date_joined"]
    list_filter = ["is_active", "education", "role_grants__role", "language"]
    search_fields = ["display_name", "email", "mobile"]
    inlines = [UserRoleInline]
    readonly_fields = ["date_joined", "last_login"]
    fieldsets = (
        (None, {"fields": ("email", "mobile", "password")}),
        (_("Profile"), {"fields": ("display_name", "avatar", "bio", "education", "skills", "interests", "languages",
                                   "is_public", "language")}),
        (_("Status"), {"fields": ("is_active", "is_superuser", "date_joined", "last_login")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "mobile", "display_name", "password1",
                                                              "password2")}),)
    filter_horizontal = ()


@admin.register(UserRole)
class UserRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "park", "granted_at", "granted_by"]
    list_filter = ["role", "park"]
    search_fields = ["user__display_name", "user__email", "user__mobile"]
    autocomplete_fields = ["user", "granted_by"]


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "version", "accepted_at"]
    list_filter = ["kind", "version"]
    search_fields = ["user__display_name", "user__email"]
    readonly_fields = ["user", "kind", "version", "accepted_at", "ip_address"]


@admin.register(AccessToken)
class AccessTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__display_name", "user__email"]
    readonly_fields = ["token_hash", "prefix"]


_admin_site_login = admin.site.login


def _admin_login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """The back office's own log-in form only shows: a posted password goes to the site's log-in, which
    counts failures (LOGIN_RATE_*) and asks for the second step of two-factor authentication, neither of
    which Django's admin form does."""
    if request.method == "POST":
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))
    return _admin_site_login(request, extra_context)


admin.site.login = _admin_login  # type: ignore[method-assign]
