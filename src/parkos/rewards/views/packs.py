"""Pages: gift packs. A member's packs to claim (with their contents), their claims with pickup codes
(QR and text) and service credits (used by placing a service order); the operators' packs of the
current park, one pack (claimed / picked up / left over per item, items, grants, claims, export) and
the pickup desk."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parkos.core import policy
from parkos.core.exports import table_download
from parkos.core.forms import page_action
from parkos.core.models import Park
from parkos.core.pagination import CappedPaginator
from parkos.rewards.forms_packs import CreditForm, GrantForm, ItemForm, PackForm, PickupForm
from parkos.rewards.models import CouponTemplate, GiftPack, PackItem
from parkos.rewards.selectors import packs as selectors
from parkos.rewards.services import packs as services


def _park(request: HttpRequest) -> Park:
    return request.park  # type: ignore[attr-defined,no-any-return]


def _qr_svg(payload: str) -> str:
    import segno

    svg: str = segno.make(payload, error="m").svg_inline(scale=5, border=2, omitsize=True, dark="#111")
    return svg


# --- members --------------------------------------------------------------------------------------

@login_required
@require_GET
def pack_list(request: HttpRequest) -> HttpResponse:
    """Packs I can claim in the current park, my claims (pickup codes) and my service credits."""
    park = _park(request)
    claimable = selectors.packs_claimable(viewer=request.user, park=park)
    claims = list(selectors.claim_list_mine(viewer=request.user)[:50])
    pickup_qr = {p.pk: _qr_svg(p.code) for c in claims for p in c.pickups.all() if p.picked_up_at is None}
    return render(request, "rewards/packs/mine.html", {
        "park": park, "claimable": claimable, "claims": claims, "pickup_qr": pickup_qr,
        "now": timezone.now(),
        "can_manage": policy.can(request.user, "rewards.manage", park),
    })


@login_required
@require_POST
def pack_claim(request: HttpRequest, pack_id: int) -> HttpResponse:
    pack = selectors.claimable_get(viewer=request.user, pack_id=pack_id)
    with page_action(request, success=_("Claimed. Your coupons are in your wallet; your pickup codes are below.")):
        services.pack_claim(actor=request.user, pack=pack)
    return redirect("rewards:pack_list")


@login_required
@require_POST
def credit_use(request: HttpRequest, credit_id: int) -> HttpResponse:
    credit = selectors.credit_get(viewer=request.user, credit_id=credit_id)
    form = CreditForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    with page_action(request, success=_("Your service request is placed: follow it in your orders.")) as done:
        order = services.credit_use(actor=request.user, credit=credit, note=note)
    if done:
        return redirect("catalog:order_detail", order.pk)
    return redirect("rewards:pack_list")


# --- operators ------------------------------------------------------------------------------------

def _pack_form_initial(pack: GiftPack) -> dict[str, Any]:
    return {"name": pack.name, "description": pack.description, "audience": pack.audience,
            "claim_from": timezone.localtime(pack.claim_from), "claim_until": timezone.localtime(pack.claim_until),
            "stock": pack.stock}


@login_required
def pack_admin(request: HttpRequest) -> HttpResponse:
    """The current park's packs, and the form for a new one."""
    park = _park(request)
    packs = selectors.pack_list(viewer=request.user, park=park, status=request.GET.get("status") or None)
    start = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    form = PackForm(request.POST or None, initial={
        "audience": GiftPack.Audience.PARK, "claim_from": start, "claim_until": start + dt.timedelta(days=14)})
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The pack is created: add its items, then open it.")) as done:
            pack = services.pack_create(actor=request.user, park=park, **form.cleaned_data)
        if done:
            return redirect("rewards:pack_detail", pack.pk)
    page = CappedPaginator(packs, 30).get_page(request.GET.get("page"))
    return render(request, "rewards/packs/admin.html",
                  {"park": park, "page": page, "form": form, "status": request.GET.get("status", ""),
                   "statuses": GiftPack.Status.choices},
                  status=400 if form.errors else 200)


def _item_form(request: HttpRequest, pack: GiftPack, data: Any = None) -> ItemForm:
    park = pack.park
    templates = [(str(t.pk), t.name if t.status == CouponTemplate.Status.ACTIVE
                  else f"{t.name}（{t.get_status_display()}）") for t in selectors.template_choices(park=park)]
    offered = [(str(s.pk), s.name_zh) for s in selectors.service_choices(viewer=request.user, park=park)]
    return ItemForm(data, prefix="item", templates=templates, services=offered)


def _detail(request: HttpRequest, pack: GiftPack, *, edit: PackForm | None = None, item: ItemForm | None = None,
            grant: GrantForm | None = None, status: int = 200) -> HttpResponse:
    figures = selectors.pack_figures(viewer=request.user, pack=pack)
    claims = CappedPaginator(selectors.claim_list(viewer=request.user, pack=pack), 30).get_page(request.GET.get("page"))
    grants = (list(selectors.grant_list(viewer=request.user, pack=pack)[:200])
              if pack.audience == GiftPack.Audience.GRANTED else [])
    return render(request, "rewards/packs/detail.html", {
        "pack": pack, "figures": figures,
        "budget_packs": selectors.coupon_budget_packs([f.item for f in figures]),
        "claims": claims, "grants": grants, "draft": pack.status == GiftPack.Status.DRAFT,
        "edit_form": edit or PackForm(prefix="pack", initial=_pack_form_initial(pack),
                                      locked=pack.status != GiftPack.Status.DRAFT),
        "item_form": item or (_item_form(request, pack) if pack.status == GiftPack.Status.DRAFT else None),
        "grant_form": grant or GrantForm(prefix="grant"),
    }, status=status)


@login_required
@require_GET
def pack_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.pack_get(viewer=request.user, pack_id=pk))


@login_required
@require_POST
def pack_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pack = selectors.pack_get(viewer=request.user, pack_id=pk)
    form = PackForm(request.POST, prefix="pack", locked=pack.status != GiftPack.Status.DRAFT)
    if form.is_valid():
        with page_action(request, form=form, success=_("Saved.")) as done:
            services.pack_update(actor=request.user, pack=pack, **form.cleaned_data)
        if done:
            return redirect("rewards:pack_detail", pack.pk)
    return _detail(request, pack, edit=form, status=400)


@login_required
@require_POST
def pack_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    pack = selectors.pack_get(viewer=request.user, pack_id=pk)
    form = _item_form(request, pack, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        template = service = None
        template_id = form.int_of("template")
        if data["kind"] == PackItem.Kind.COUPON and template_id:
            template = CouponTemplate.objects.filter(pk=template_id).first()
        if data["kind"] == PackItem.Kind.SERVICE and form.int_of("service"):
            service = next((s for s in selectors.service_choices(viewer=request.user, park=pack.park)
                            if s.pk == form.int_of("service")), None)
        with page_action(request, form=form, success=_("The item is added.")) as done:
            services.pack_item_add(actor=request.user, pack=pack, kind=data["kind"], quantity=data["quantity"],
                                   template=template, service=service, name=data["name"],
                                   pickup_place=data["pickup_place"], stock=data["stock"])
        if done:
            return redirect("rewards:pack_detail", pack.pk)
    return _detail(request, pack, item=form, status=400)


@login_required
@require_POST
def pack_item_remove(request: HttpRequest, item_id: int) -> HttpResponse:
    item = selectors.item_get(viewer=request.user, item_id=item_id)
    with page_action(request, success=_("The item is removed.")):
        services.pack_item_remove(actor=request.user, item=item)
    return redirect("rewards:pack_detail", item.pack_id)


@login_required
@require_POST
def pack_open(request: HttpRequest, pk: int) -> HttpResponse:
    pack = selectors.pack_get(viewer=request.user, pack_id=pk)
    with page_action(request, success=_("The pack is open: members can claim it in its window.")):
        services.pack_open(actor=request.user, pack=pack)
    return redirect("rewards:pack_detail", pack.pk)


@login_required
@require_POST
def pack_close(request: HttpRequest, pk: int) -> HttpResponse:
    pack = selectors.pack_get(viewer=request.user, pack_id=pk)
    with page_action(request, success=_("The pack is closed.")):
        services.pack_close(actor=request.user, pack=pack)
    return redirect("rewards:pack_detail", pack.pk)


@login_required
@require_POST
def pack_grant(request: HttpRequest, pk: int) -> HttpResponse:
    pack = selectors.pack_get(viewer=request.user, pack_id=pk)
    form = GrantForm(request.POST, prefix="grant")
    if form.is_valid():
        ids, unknown = selectors.people_find(form.values())
        if unknown:
            form.add_error("people", _("Nobody has these mobile numbers or e-mail addresses: %(values)s")
                           % {"values": "、".join(unknown[:20])})
        else:
            with page_action(request, form=form) as done:
                granted = services.pack_grant(actor=request.user, pack=pack, user_ids=ids,
                                              note=form.cleaned_data["note"])
            if done:
                from django.contrib import messages

                messages.success(request, _("Granted to %(n)s more members.") % {"n": len(granted)})
                return redirect("rewards:pack_detail", pack.pk)
    return _detail(request, pack, grant=form, status=400)


@login_required
@require_GET
def pack_export(request: HttpRequest, pk: int) -> HttpResponse:
    pack = selectors.pack_get(viewer=request.user, pack_id=pk)
    return table_download(header=selectors.claim_header(), rows=selectors.claim_rows(viewer=request.user, pack=pack),
                          fmt="xlsx", filename=f"gift-pack-{pack.pk}-claims", sheet="claims")


@login_required
def pickup_desk(request: HttpRequest) -> HttpResponse:
    """The pickup desk: type or scan a member's code, hand over the item once."""
    park = _park(request)
    recent = selectors.pickups_recent(viewer=request.user, park=park)  # the desk's permission first
    form = PickupForm(request.POST or None)
    handed = None
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form) as done:
            handed = services.pickup_hand_over(actor=request.user, code=form.cleaned_data["code"])
        if done:
            form = PickupForm()
            recent = selectors.pickups_recent(viewer=request.user, park=park)
    return render(request, "rewards/packs/desk.html",
                  {"park": park, "form": form, "handed": handed, "recent": recent},
                  status=400 if form.errors else 200)


urlpatterns: list[URLPattern] = [
    path("packs/", pack_list, name="pack_list"),
    path("packs/<int:pack_id>/claim/", pack_claim, name="pack_claim"),
    path("packs/credits/<int:credit_id>/use/", credit_use, name="credit_use"),
    path("packs/manage/", pack_admin, name="pack_admin"),
    path("packs/manage/<int:pk>/", pack_detail, name="pack_detail"),
    path("packs/manage/<int:pk>/edit/", pack_edit, name="pack_edit"),
    path("packs/manage/<int:pk>/items/", pack_item_add, name="pack_item_add"),
    path("packs/manage/items/<int:item_id>/remove/", pack_item_remove, name="pack_item_remove"),
    path("packs/manage/<int:pk>/open/", pack_open, name="pack_open"),
    path("packs/manage/<int:pk>/close/", pack_close, name="pack_close"),
    path("packs/manage/<int:pk>/grants/", pack_grant, name="pack_grant"),
    path("packs/manage/<int:pk>/claims.xlsx", pack_export, name="pack_export"),
    path("packs/desk/", pickup_desk, name="pickup_desk"),
]
