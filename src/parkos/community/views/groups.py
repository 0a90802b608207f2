"""Pages of interest groups: directory, create, a group's feed, members and requests."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.community.forms import SCOPE_ALL, GroupForm, PostForm
from parkos.community.models import Reaction
from parkos.community.selectors import groups as selectors
from parkos.community.selectors import posts as post_selectors
from parkos.community.services import groups as services
from parkos.core import policy
from parkos.core.forms import page_action


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:40]
    mine = request.GET.get("mine") == "1"
    # The current park's groups and the portfolio's (the page says which park).
    page = Paginator(selectors.group_list(viewer=request.user, q=q, mine=mine,
                                          park=request.park),  # type: ignore[attr-defined]
                     24).get_page(request.GET.get("page"))
    groups = list(page.object_list)
    ms = selectors.memberships_of(viewer=request.user, groups=groups)
    for g in groups:
        g.my_membership = ms.get(g.pk)  # type: ignore[attr-defined]
    return render(request, "community/groups.html", {"page": page, "groups": groups, "q": q, "mine": mine})


@login_required
def group_create(request: HttpRequest) -> HttpResponse:
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("Group created. You are its admin.")) as done:
            park = None if form.cleaned_data.get("scope") == SCOPE_ALL else request.park  # type: ignore[attr-defined]
            group = services.group_create(actor=request.user, data={**form.cleaned_data, "park": park})
        if done:
            return redirect("community:group", group.pk)
    return render(request, "community/group_form.html", {"form": form, "group": None})


@login_required
def group_edit(request: HttpRequest, group_id: int) -> HttpResponse:
    group = selectors.group_get(viewer=request.user, group_id=group_id)
    policy.require(request.user, "community.group.manage", group)
    form = GroupForm(request.POST or None, creating=False,
                     initial={"name": group.name, "description": group.description, "visibility": group.visibility})
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("Saved.")) as done:
            services.group_update(actor=request.user, group=group, data=form.cleaned_data)
        if done:
            return redirect("community:group", group.pk)
    return render(request, "community/group_form.html", {"form": form, "group": group})


@login_required
def group_detail(request: HttpRequest, group_id: int) -> HttpResponse:
    group = selectors.group_get(viewer=request.user, group_id=group_id)
    membership = selectors.membership_get(viewer=request.user, group=group)
    readable = selectors.can_read_content(viewer=request.user, group=group, membership=membership)
    context: dict[str, Any] = {"group": group, "membership": membership, "readable": readable,
               "can_manage": policy.can(request.user, "community.group.manage", group),
               "reaction_kinds": Reaction.Kind.choices, "more_url": "?cursor="}
    if readable:
        page = post_selectors.feed_group(viewer=request.user, group=group, cursor=request.GET.get("cursor") or None)
        context.update(page=page, posts=page.items, next_cursor=page.next_cursor,
                       pinned=[] if request.GET.get("cursor") else post_selectors.pinned_posts(viewer=request.user,
                                                                                                group=group))
        if getattr(request, "htmx", False) and request.GET.get("cursor"):
            return render(request, "community/_feed_items.html", context)
        if membership is not None and membership.status == "active":
            context["form"] = PostForm(in_group=True)
    return render(request, "community/group_detail.html", context)


@login_required
@require_POST
def group_join(request: HttpRequest, group_id: int) -> HttpResponse:
    group = selectors.group_get(viewer=request.user, group_id=group_id)
    m = services.group_join(actor=request.user, group=group)
    if m.status == "pending":
        messages.info(request, _("Request sent. An admin of the group will review it."))
    else:
        messages.success(request, _("You joined the group."))
    return redirect("community:group", group.pk)


@login_required
@require_POST
def group_leave(request: HttpRequest, group_id: int) -> HttpResponse:
    group = selectors.group_get(viewer=request.user, group_id=group_id)
    with page_action(request, success=_("You left the group.")):
        services.group_leave(actor=request.user, group=group)
    return redirect("community:group", group.pk)


@login_required
def group_members(request: HttpRequest, group_id: int) -> HttpResponse:
    group = selectors.group_get(viewer=request.user, group_id=group_id)
    members = selectors.member_list(viewer=request.user, group=group)
    return render(request, "community/group_members.html", {
        "group": group, "members": members, "can_manage": policy.can(request.user, "community.group.manage", group)})


@login_required
@require_POST
def group_member_action(request: HttpRequest, group_id: int, user_id: int) -> HttpResponse:
    group = selectors.group_get(viewer=request.user, group_id=group_id)
    action = request.POST.get("action", "")
    with page_action(request, success=_("Done.")):
        if action == "approve":
            services.membership_approve(actor=request.user, group=group, user_id=user_id)
        elif action == "remove":
            services.membership_remove(actor=request.user, group=group, user_id=user_id)
        elif action in ("make_admin", "drop_admin"):
            services.membership_set_admin(actor=request.user, group=group, user_id=user_id,
                                          admin=action == "make_admin")
    return redirect("community:group_members", group.pk)


urls: list[URLPattern] = [
    path("groups/", group_list, name="groups"),
    path("groups/new/", group_create, name="group_create"),
    path("groups/<int:group_id>/", group_detail, name="group"),
    path("groups/<int:group_id>/edit/", group_edit, name="group_edit"),
    path("groups/<int:group_id>/join/", group_join, name="group_join"),
    path("groups/<int:group_id>/leave/", group_leave, name="group_leave"),
    path("groups/<int:group_id>/members/", group_members, name="group_members"),
    path("groups/<int:group_id>/members/<int:user_id>/", group_member_action, name="group_member_action"),
]
