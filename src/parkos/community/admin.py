from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction

from parkos.community.models import (
    Comment,
    CommentRevision,
    Follow,
    Group,
    GroupMembership,
    Post,
    PostImage,
    PostRevision,
    Reaction,
)
from parkos.community.services import posts as post_services
from parkos.core import policy
from parkos.core.errors import Invalid
from parkos.search.admin import ReindexOnSaveMixin

# ---- posts and groups (community-posts) ------------------------------------------------------
# Statuses are changed through the moderation pages (services.posts.post_set_status keeps counters
# and the search index right), so they are read-only here. A text an operator corrects here goes
# through the services (post_body_correct, comment_body_correct): cleaned, rendered to the stored HTML
# by the same function as every other write, the old text kept as a revision.


def _body_field(limit: int) -> Any:
    def clean_body(form: forms.ModelForm) -> str:  # type: ignore[type-arg]
        try:
            return post_services.body_clean(form.cleaned_data.get("body"), limit=limit)
        except Invalid as error:
            raise ValidationError(str(error.message), code=error.code) from None
    return clean_body


class PostAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    clean_body = _body_field(post_services.POST_MAX)

    class Meta:
        model = Post
        fields = ["body"]  # the admin adds the rest of its fields


class CommentAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    clean_body = _body_field(post_services.COMMENT_MAX)

    class Meta:
        model = Comment
        fields = ["body"]  # the admin adds the rest of its fields


class _BodyThroughServiceMixin:
    """The body is written by the domain's service (which renders the HTML); the rest as the admin does."""

    def correct(self, request: Any, obj: Any) -> None:
        raise NotImplementedError

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        # Correcting what a member wrote is moderation: a superuser who is not an operator only reads it.
        if obj is not None and not policy.can(request.user, "community.moderate"):
            fields.append("body")
        return fields

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            if not change:
                obj.body_html = post_services.body_html(obj.body)
            elif "body" in form.changed_data:
                self.correct(request, obj)
            super().save_model(request, obj, form, change)  # type: ignore[misc]


class PostImageInline(admin.TabularInline):
    model = PostImage
    extra = 0
    fields = ["image", "width", "height", "position"]
    readonly_fields = ["width", "height"]


class PostRevisionInline(admin.TabularInline):
    model = PostRevision
    extra = 0
    fields = ["created_at", "editor", "body"]
    readonly_fields = ["created_at", "editor", "body"]
    can_delete = False


class _ParkScopedAdmin:
    """The rows of the parks where the operator works. The admin is the portfolio operators' today
    (accounts: ``admin.access`` on policy.PORTFOLIO), who see every row; should one park's operators be let
    in, they would see only their park's suggestions, cases and posts. Superusers see everything."""

    park_field = "park_id"

    def get_queryset(self, request: Any) -> Any:
        qs = super().get_queryset(request)  # type: ignore[misc]
        if request.user.is_superuser:
            return qs
        where = policy.scope_filter(request.user, policy.OPERATOR, self.park_field)
        return qs.none() if where is None else qs.filter(**where)


@admin.register(Post)
class PostAdmin(_ParkScopedAdmin, _BodyThroughServiceMixin, ReindexOnSaveMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    form = PostAdminForm
    search_kind = "post"
    list_display = ["id", "__str__", "author", "enterprise", "group", "topic", "status", "reaction_count",
                    "comment_count", "created_at"]
    list_filter = ["park", "status", "topic", "in_park_feed"]
    search_fields = ["body", "author__display_name"]
    raw_id_fields = ["author", "enterprise", "group"]
    readonly_fields = ["status", "status_reason", "body_html", "in_park_feed", "reaction_count", "comment_count",
                       "hot_score", "created_at", "edited_at"]
    date_hierarchy = "created_at"
    inlines = [PostImageInline, PostRevisionInline]

    def correct(self, request: Any, obj: Any) -> None:
        post_services.post_body_correct(actor=request.user, post=obj, body=obj.body)


@admin.register(Comment)
class CommentAdmin(_ParkScopedAdmin, _BodyThroughServiceMixin, ReindexOnSaveMixin,
                   admin.ModelAdmin):  # type: ignore[type-arg]
    park_field = "post__park_id"
    form = CommentAdminForm
    search_kind = "comment"
    list_display = ["id", "__str__", "author", "post", "parent", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["body", "author__display_name"]
    raw_id_fields = ["author", "post", "parent"]
    readonly_fields = ["status", "status_reason", "body_html", "created_at", "edited_at"]

    def correct(self, request: Any, obj: Any) -> None:
        post_services.comment_body_correct(actor=request.user, comment=obj, body=obj.body)


@admin.register(CommentRevision)
class CommentRevisionAdmin(admin.ModelAdmin):
    list_display = ["comment", "created_at"]
    raw_id_fields = ["comment"]


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin):
    list_display = ["post", "user", "kind", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["post", "user"]


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["follower", "user", "enterprise", "created_at"]
    raw_id_fields = ["follower", "user", "enterprise"]


class GroupMembershipInline(admin.TabularInline):
    model = GroupMembership
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "role", "status"]


@admin.register(Group)
class GroupAdmin(ReindexOnSaveMixin, admin.ModelAdmin):
    search_kind = "group"
    list_display = ["name", "visibility", "member_count", "post_count", "is_active", "created_at"]
    list_filter = ["park", "visibility", "is_active"]
    search_fields = ["name", "description"]
    raw_id_fields = ["created_by"]
    readonly_fields = ["member_count", "post_count"]
    inlines = [GroupMembershipInline]

# ---- end of posts and groups -----------------------------------------------------------------


# ---- suggestions and moderation (community-civic) --------------------------------------------
# Operators edit the settings singletons and the sensitive-word list here; the audit log is read-only.

from django.http import HttpRequest as _CivicRequest  # noqa: E402

from parkos.community.models import (  # noqa: E402
    MemberStanding,
    ModerationAction,
    ModerationCase,
    ModerationSettings,
    Report,
    Sanction,
    SensitiveWord,
    Suggestion,
    SuggestionProgress,
    SuggestionReply,
    SuggestionSettings,
)


class _SingletonAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: _CivicRequest) -> bool:
        return not self.model.objects.exists()

    def has_delete_permission(self, request: _CivicRequest, obj: object = None) -> bool:
        return False


@admin.register(SuggestionSettings)
class SuggestionSettingsAdmin(_SingletonAdmin):
    list_display = ["__str__", "support_threshold", "reply_workdays", "updated_at"]


@admin.register(ModerationSettings)
class ModerationSettingsAdmin(_SingletonAdmin):
    list_display = ["__str__", "report_hold_threshold", "updated_at"]


class SuggestionReplyInline(admin.TabularInline):  # type: ignore[type-arg]
    model = SuggestionReply
    extra = 0
    can_delete = False
    readonly_fields = ["from_state", "to_state", "body", "author", "created_at"]

    def has_add_permission(self, request: _CivicRequest, obj: object = None) -> bool:
        return False  # replies go through the suggestion page, which notifies and checks the state machine


class SuggestionProgressInline(admin.TabularInline):  # type: ignore[type-arg]
    model = SuggestionProgress
    extra = 0
    readonly_fields = ["author", "created_at"]


@admin.register(Suggestion)
class SuggestionAdmin(_ParkScopedAdmin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "park", "category", "state", "support_count", "reply_due", "first_reply_at", "is_hidden",
                    "created_at"]
    list_filter = ["park", "state", "category", "is_hidden"]
    search_fields = ["title", "body"]
    raw_id_fields = ["author"]
    # State, counts and the clock move only through the services (state machine, notifications).
    readonly_fields = ["state", "support_count", "progress", "threshold_reached_at", "reply_due", "first_reply_at",
                       "overdue_flagged_at", "state_changed_at"]
    inlines = [SuggestionReplyInline, SuggestionProgressInline]


@admin.register(SensitiveWord)
class SensitiveWordAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["word", "action", "is_active", "note", "updated_at"]
    list_filter = ["action", "is_active"]
    list_editable = ["action", "is_active"]
    search_fields = ["word", "note"]


class ReportInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Report
    extra = 0
    can_delete = False
    readonly_fields = ["reporter", "reason", "detail", "weight", "state", "created_at"]


@admin.register(ModerationCase)
class ModerationCaseAdmin(_ParkScopedAdmin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["__str__", "park", "state", "score", "report_count", "auto_held", "subject", "opened_at"]
    list_filter = ["park", "state", "kind", "auto_held"]
    raw_id_fields = ["post", "comment", "suggestion", "subject", "decided_by"]
    readonly_fields = ["score", "report_count", "auto_held", "decided_at", "decided_by"]
    inlines = [ReportInline]


@admin.register(MemberStanding)
class MemberStandingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "trust_level", "reports_upheld", "reports_rejected", "suspended_until"]
    list_filter = ["trust_level"]
    search_fields = ["user__display_name", "user__email"]
    raw_id_fields = ["user"]


@admin.register(Sanction)
class SanctionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "kind", "reason", "ends_at", "lifted_at", "given_by", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["user", "given_by"]


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The audit log: read-only, never edited or deleted."""

    list_display = ["created_at", "verb", "kind", "target_id", "subject", "actor", "reason"]
    list_filter = ["verb", "kind"]

    def has_add_permission(self, request: _CivicRequest) -> bool:
        return False

    def has_change_permission(self, request: _CivicRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: _CivicRequest, obj: object = None) -> bool:
        return False

# ---- end of suggestions and moderation -------------------------------------------------------
