"""Pages of posts and conversation: the feeds, a post with its comments, edit and history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.community.forms import SCOPE_ALL, CommentForm, PostEditForm, PostForm
from parkos.community.models import Post, Reaction
from parkos.community.selectors import groups as group_selectors
from parkos.community.selectors import posts as selectors
from parkos.community.services import posts as services
from parkos.core import policy
from parkos.core.forms import page_action


def _my_enterprise(user: Any) -> Any:
    from parkos.enterprises.selectors import employer_of

    return employer_of(user)


def _feed_context(request: HttpRequest, page: selectors.FeedPage, **extra: Any) -> dict[str, Any]:
    return {"page": page, "posts": page.items, "next_cursor": page.next_cursor,
            "reaction_kinds": Reaction.Kind.choices, **extra}


def _feed_response(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    if getattr(request, "htmx", False) and request.GET.get("cursor"):
        return render(request, "community/_feed_items.html", context)
    return render(request, template, context)


@login_required
def feed(request: HttpRequest) -> HttpResponse:
    """The park feed (latest or hot) and the following feed, with the composer on top."""
    tab = request.GET.get("tab", "latest")
    cursor = request.GET.get("cursor") or None
    if tab == "following":
        page = selectors.feed_following(viewer=request.user, cursor=cursor)
    else:
        tab = "hot" if tab == "hot" else "latest"
        # The current park's posts and the portfolio's; the page says which park (current_park).
        page = selectors.feed_park(viewer=request.user, order=tab, cursor=cursor, topic=request.GET.get("topic", ""),
                                   park=request.park)  # type: ignore[attr-defined]
    enterprise = _my_enterprise(request.user)
    form = PostForm(can_post_as_enterprise=enterprise is not None)
    return _feed_response(request, "community/feed.html", _feed_context(
        request, page, tab=tab, form=form, enterprise=enterprise, more_url=f"?tab={tab}&cursor="))


@login_required
@require_POST
def post_create(request: HttpRequest) -> HttpResponse:
    enterprise = _my_enterprise(request.user)
    form = PostForm(request.POST, request.FILES, can_post_as_enterprise=enterprise is not None)
    group = None
    group_id = request.POST.get("group")
    if group_id and group_id.isdigit():
        group = group_selectors.group_get(viewer=request.user, group_id=int(group_id))
    if form.is_valid():
        with page_action(request, form=form) as done:
            post = services.post_create(
                actor=request.user, body=form.cleaned_data["body"], topic=form.cleaned_data["topic"],
                tags=form.cleaned_data["tags"], group=group,
                enterprise=enterprise if form.cleaned_data.get("as_enterprise") else None,
                images=request.FILES.getlist("images"),
                park=None if form.cleaned_data.get("scope") == SCOPE_ALL else request.park)  # type: ignore[attr-defined]
        if done:
            if post.status == "held":
                messages.info(request, _("Your post is waiting for review before others see it."))
            else:
                messages.success(request, _("Posted."))
            return redirect("community:post", post.pk)
    page = selectors.FeedPage(items=[])
    return render(request, "community/feed.html", _feed_context(
        request, page, tab="latest", form=form, enterprise=enterprise, group=group), status=400)


@login_required
def post_detail(request: HttpRequest, post_id: int) -> HttpResponse:
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    return render(request, "community/post_detail.html", _post_context(request, post, CommentForm()))


def _post_context(request: HttpRequest, post: Post, form: CommentForm) -> dict[str, Any]:
    relations = policy.relations_of(request.user, post)
    return {
        "post": post, "comments": selectors.comment_list(viewer=request.user, post=post), "form": form,
        "can_edit": policy.can(request.user, "community.post.edit", post, relations=relations),
        "can_pin": post.group_id is not None and post.group is not None
        and policy.can(request.user, "community.group.manage", post.group),
    }


@login_required
@require_POST
def comment_create(request: HttpRequest, post_id: int) -> HttpResponse:
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        parent = None
        if form.cleaned_data.get("parent"):
            parent = selectors.comment_get(viewer=request.user, comment_id=form.cleaned_data["parent"])
        with page_action(request, form=form) as done:
            comment = services.comment_create(actor=request.user, post=post, body=form.cleaned_data["body"],
                                              parent=parent)
        if done:
            if comment.status == "held":
                messages.info(request, _("Your comment is waiting for review before others see it."))
            return redirect(services.comment_url(comment))
    return render(request, "community/post_detail.html", _post_context(request, post, form), status=400)


@login_required
@require_POST
def comment_delete(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = selectors.comment_get(viewer=request.user, comment_id=comment_id)
    services.comment_delete(actor=request.user, comment=comment)
    messages.success(request, _("Comment deleted."))
    return redirect("community:post", comment.post_id)


@login_required
def post_edit(request: HttpRequest, post_id: int) -> HttpResponse:
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    policy.require(request.user, "community.post.edit", post)
    form = PostEditForm(request.POST or None, initial={"body": post.body, "topic": post.topic,
                                                        "tags": ", ".join(post.tags)})
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form,
                         success=_("Saved. The earlier text is kept in the edit history.")) as done:
            services.post_update(actor=request.user, post=post, **form.cleaned_data)
        if done:
            return redirect("community:post", post.pk)
    return render(request, "community/post_form.html", {"form": form, "post": post})


@login_required
@require_POST
def post_delete(request: HttpRequest, post_id: int) -> HttpResponse:
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    services.post_delete(actor=request.user, post=post)
    messages.success(request, _("Post deleted."))
    return redirect("community:feed")


@login_required
@require_POST
def post_pin(request: HttpRequest, post_id: int) -> HttpResponse:
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    services.post_pin(actor=request.user, post=post, pinned=request.POST.get("pinned") == "1")
    return redirect("community:group", post.group_id)


@login_required
def post_history(request: HttpRequest, post_id: int) -> HttpResponse:
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    return render(request, "community/post_history.html",
                  {"post": post, "revisions": selectors.revision_list(viewer=request.user, post=post)})


@login_required
@require_POST
def react(request: HttpRequest, post_id: int) -> HttpResponse:
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    services.reaction_toggle(actor=request.user, post=post, kind=request.POST.get("kind", ""))
    if getattr(request, "htmx", False):
        post = selectors.post_get(viewer=request.user, post_id=post_id)
        return render(request, "community/_reactions.html", {"post": post})
    return redirect("community:post", post.pk)


@login_required
def member_posts(request: HttpRequest, user_id: int) -> HttpResponse:
    from parkos.accounts.selectors import user_get_active

    member = user_get_active(user_id=user_id)
    page = selectors.feed_member(viewer=request.user, member=member, cursor=request.GET.get("cursor") or None)
    return _feed_response(request, "community/member_posts.html", _feed_context(
        request, page, member=member, more_url="?cursor=",
        following=selectors.is_following(viewer=request.user, user=member)))


@login_required
def enterprise_posts(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    from parkos.enterprises.selectors import enterprise_get

    enterprise = enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    page = selectors.feed_enterprise(viewer=request.user, enterprise=enterprise,
                                     cursor=request.GET.get("cursor") or None)
    return _feed_response(request, "community/member_posts.html", _feed_context(
        request, page, enterprise=enterprise, more_url="?cursor=",
        following=selectors.is_following(viewer=request.user, enterprise=enterprise)))


@login_required
@require_POST
def follow(request: HttpRequest) -> HttpResponse:
    from parkos.accounts.selectors import user_get_active
    from parkos.enterprises.selectors import enterprise_get

    if request.POST.get("enterprise", "").isdigit():
        enterprise = enterprise_get(viewer=request.user, enterprise_id=int(request.POST["enterprise"]))
        on = services.follow_toggle(actor=request.user, enterprise=enterprise)
        target = reverse("community:enterprise_posts", args=[enterprise.pk])
    else:
        member = user_get_active(user_id=int(request.POST.get("user") or 0))
        on = services.follow_toggle(actor=request.user, user=member)
        target = reverse("community:member_posts", args=[member.pk])
    messages.success(request, _("Following.") if on else _("No longer following."))
    return redirect(target)


urls: list[URLPattern] = [
    path("", feed, name="feed"),
    path("posts/new/", post_create, name="post_create"),
    path("posts/<int:post_id>/", post_detail, name="post"),
    path("posts/<int:post_id>/edit/", post_edit, name="post_edit"),
    path("posts/<int:post_id>/delete/", post_delete, name="post_delete"),
    path("posts/<int:post_id>/pin/", post_pin, name="post_pin"),
    path("posts/<int:post_id>/history/", post_history, name="post_history"),
    path("posts/<int:post_id>/react/", react, name="post_react"),
    path("posts/<int:post_id>/comments/", comment_create, name="comment_create"),
    path("comments/<int:comment_id>/delete/", comment_delete, name="comment_delete"),
    path("members/<int:user_id>/posts/", member_posts, name="member_posts"),
    path("enterprises/<int:enterprise_id>/posts/", enterprise_posts, name="enterprise_posts"),
    path("follow/", follow, name="follow"),
]


def post_image(request: HttpRequest, post_id: int, name: str) -> HttpResponseBase:
    """A post's image, only for those who may read the post (a private group's pictures stay inside it).

    Mounted at the image's media URL (config/urls.py) so ``image.url`` keeps working in embedded mode."""
    from django.core.files.storage import default_storage
    from django.http import FileResponse, Http404

    from parkos.community.models import PostImage

    post = selectors.post_get(viewer=request.user, post_id=post_id)
    image = PostImage.objects.filter(post=post, image=f"community/{post_id}/{name}").first()
    if image is None:
        raise Http404()
    response = FileResponse(default_storage.open(image.image.name, "rb"), content_type="image/webp")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
