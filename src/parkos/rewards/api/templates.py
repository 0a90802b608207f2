"""The operators' API for coupon templates and issuing by hand (session or personal token; park-scoped:
another park's templates are not found). Grants and imports take an idempotency key."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from parkos.core.models import Park
from parkos.core.pagination import PageNumberPagination
from parkos.core.parks import park_param
from parkos.rewards.schemas_templates import (
    BatchOut,
    CouponGrantIn,
    CouponGrantOut,
    GrantPreviewOut,
    ImportOut,
    TemplateDetailOut,
    TemplateIn,
    TemplateOut,
    TemplatePatch,
    TemplateStatusIn,
    WhoIn,
)
from parkos.rewards.selectors import templates as selectors
from parkos.rewards.services import grants, templates

router = Router(tags=["rewards: templates"])


def _park(request: HttpRequest, value: str | None) -> Park:
    return park_param(value) or request.park  # type: ignore[attr-defined,no-any-return]


def _who(request: HttpRequest, payload: WhoIn) -> tuple[dict[str, Any], list[str]]:
    """The service's arguments for whom to issue to, and the mobiles or e-mails that matched nobody."""
    user_ids: list[int] = list(payload.user_ids)
    missing: list[str] = []
    if payload.mobiles:
        found, missing = grants.people_find(values=payload.mobiles)
        user_ids += [u for u in found if u not in user_ids]
    enterprise = group = None
    if payload.enterprise is not None:
        from parkos.enterprises.selectors import enterprise_get

        enterprise = enterprise_get(viewer=request.user, enterprise_id=payload.enterprise)
    if payload.group is not None:
        from parkos.community.selectors.groups import group_get

        group = group_get(viewer=request.user, group_id=payload.group)
    return {"user_ids": user_ids, "enterprise": enterprise, "group": group}, missing


@router.get("/templates", response=list[TemplateOut])
@paginate(PageNumberPagination, page_size=50)
def template_list(request: HttpRequest, park: str | None = None, status: str = "", q: str = "") -> Any:
    """The templates of the parks the caller operates, newest first (paginated)."""
    return selectors.template_list(viewer=request.user, park=park_param(park), status=status,
                                   q=q).prefetch_related("merchants")


@router.post("/templates", response={201: TemplateOut})
def template_create(request: HttpRequest, payload: TemplateIn) -> Status[Any]:
    """A new template, in draft (activate it to issue)."""
    park = _park(request, payload.park)
    return Status(201, templates.template_create(actor=request.user, park=park, **payload.dict(exclude={"park"})))


@router.get("/templates/{template_id}", response=TemplateDetailOut)
def template_get(request: HttpRequest, template_id: int) -> Any:
    template = selectors.template_get(viewer=request.user, template_id=template_id)
    setattr(template, "coupon_counts", selectors.template_status_counts(viewer=request.user, template=template))  # noqa: B010
    return template


@router.patch("/templates/{template_id}", response=TemplateOut)
def template_update(request: HttpRequest, template_id: int, payload: TemplatePatch) -> Any:
    """Change fields; once coupons are issued only the name, the description and the budget (never below
    what was issued)."""
    template = selectors.template_get(viewer=request.user, template_id=template_id)
    return templates.template_update(actor=request.user, template=template, **payload.dict(exclude_unset=True))


@router.delete("/templates/{template_id}", response={204: None})
def template_delete(request: HttpRequest, template_id: int) -> Status[None]:
    """Only a draft that issued nothing; close anything else."""
    template = selectors.template_get(viewer=request.user, template_id=template_id)
    templates.template_delete(actor=request.user, template=template)
    return Status(204, None)


@router.post("/templates/{template_id}/status", response=TemplateOut)
def template_set_status(request: HttpRequest, template_id: int, payload: TemplateStatusIn) -> Any:
    """draft → active ⇄ paused → closed."""
    template = selectors.template_get(viewer=request.user, template_id=template_id)
    return templates.template_set_status(actor=request.user, template=template, status=payload.status)


@router.post("/templates/{template_id}/grant/preview", response=GrantPreviewOut)
def grant_preview(request: HttpRequest, template_id: int, payload: WhoIn) -> Any:
    """What a grant would issue now, its cost and the budget left after it (changes nothing)."""
    template = selectors.template_get(viewer=request.user, template_id=template_id)
    who, missing = _who(request, payload)
    preview = grants.grant_preview(actor=request.user, template=template, **who)
    return {**preview.__dict__, "within_budget": preview.within_budget, "not_found": missing}


@router.post("/templates/{template_id}/grant", response={201: CouponGrantOut, 200: CouponGrantOut})
def grant(request: HttpRequest, template_id: int, payload: CouponGrantIn) -> Status[Any]:
    """Issue one coupon to each member named (exactly one of user_ids/mobiles, enterprise, group), up to the
    budget. 201 when issued now; 200 with ``replayed`` when the key was used before (nothing issued)."""
    template = selectors.template_get(viewer=request.user, template_id=template_id)
    who, missing = _who(request, payload)
    result = grants.coupons_grant(actor=request.user, template=template, key=payload.key, **who)
    return Status(200 if result.replayed else 201, {
        "batch": result.batch, "replayed": result.replayed, "issued": len(result.issued),
        "already": len(result.already), "over_limit": len(result.over_limit),
        "over_budget": len(result.over_budget), "not_found": missing})


@router.post("/templates/{template_id}/import", response={201: ImportOut, 200: ImportOut})
def coupons_import(request: HttpRequest, template_id: int, key: Form[str], file: File[UploadedFile],
                   dry_run: Form[bool] = False) -> Status[Any]:
    """Issue to the mobile numbers of an XLSX file (multipart: ``file``, ``key``; ``dry_run`` only checks),
    with a report of each row that got nothing. At most 5,000 rows and 2 MB."""
    template = selectors.template_get(viewer=request.user, template_id=template_id)
    report = grants.coupons_import(actor=request.user, template=template, key=key, upload=file, dry_run=dry_run)
    replayed = bool(report.result and report.result.replayed)
    preview = None
    if report.preview is not None:
        preview = {**report.preview.__dict__, "within_budget": report.preview.within_budget, "not_found": []}
    return Status(201 if report.result is not None and not replayed else 200, {
        "rows": report.rows, "errors": [{"row": r, "mobile": m, "message": msg} for r, m, msg in report.errors],
        "batch": report.result.batch if report.result else None, "replayed": replayed, "preview": preview})


@router.get("/templates/{template_id}/batches", response=list[BatchOut])
@paginate(PageNumberPagination, page_size=50)
def batch_list(request: HttpRequest, template_id: int) -> Any:
    """The template's issue batches, newest first (paginated)."""
    template = selectors.template_get(viewer=request.user, template_id=template_id)
    return selectors.batch_list(viewer=request.user, template=template)
