"""The scenes API: thin over services and selectors. Value-moving calls take an ``Idempotency-Key``
header: a retry with the same key returns the first result and changes nothing."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Header, Router, Status
from ninja.pagination import PageNumberPagination, paginate

from parkos.accounts.selectors import user_get_active
from parkos.core.pagination import capped_api_pagination
from parkos.core.parks import park_param
from parkos.enterprises.selectors import employer_of
from parkos.scenes import selectors, services
from parkos.scenes.schemas import (
    AcceptIn,
    DealActionIn,
    DealDetailOut,
    DealOut,
    MessageIn,
    MessageOut,
    MilestoneActionIn,
    MilestoneOut,
    ReputationOut,
    ResponseIn,
    ResponseOut,
    ReviewIn,
    ReviewOut,
    SceneIn,
    SceneOut,
    ScenePatch,
)

router = Router(tags=["scenes"])


@router.get("/scenes", auth=None, response=list[SceneOut])
@paginate(capped_api_pagination(), page_size=20)  # count stops at 1,001: "more than 1,000"
def scene_board(request: HttpRequest, q: str = "", kind: str = "", industry: str = "", status: str = "",
                budget_min: str = "", budget_max: str = "", park: str | None = None) -> Any:
    """``park`` (code or id): one park's scenes; without it, every park's."""
    return selectors.scene_board(viewer=request.user, park=park_param(park), q=q, kind=kind, industry=industry,
                                 status=status, budget_min=budget_min, budget_max=budget_max)


@router.post("/scenes", response={201: SceneOut})
def scene_create(request: HttpRequest, payload: SceneIn) -> Status[Any]:
    data = payload.dict()
    as_enterprise, publish, park = data.pop("as_enterprise"), data.pop("publish"), data.pop("park")
    scene = services.scene_create(actor=request.user, data=data,  # type: ignore[arg-type]
                                  enterprise=employer_of(request.user) if as_enterprise else None, publish=publish,
                                  park=park_param(park))
    return Status(201, scene)


@router.get("/scenes/{scene_id}", auth=None, response=SceneOut)
def scene_get(request: HttpRequest, scene_id: int) -> Any:
    return selectors.scene_get(viewer=request.user, scene_id=scene_id)


@router.patch("/scenes/{scene_id}", response=SceneOut)
def scene_update(request: HttpRequest, scene_id: int, payload: ScenePatch) -> Any:
    scene = selectors.scene_get(viewer=request.user, scene_id=scene_id)
    return services.scene_update(actor=request.user, scene=scene,  # type: ignore[arg-type]
                                 data=payload.dict(exclude_unset=True))


@router.post("/scenes/{scene_id}/status/{action}", response=SceneOut)
def scene_transition(request: HttpRequest, scene_id: int, action: str) -> Any:
    scene = selectors.scene_get(viewer=request.user, scene_id=scene_id)
    return services.scene_transition(actor=request.user, scene=scene, action=action)  # type: ignore[arg-type]


@router.get("/scenes/{scene_id}/responses", response=list[ResponseOut])
@paginate(PageNumberPagination, page_size=50)
def response_list(request: HttpRequest, scene_id: int, status: str = "") -> Any:
    scene = selectors.scene_get(viewer=request.user, scene_id=scene_id)
    return selectors.response_list(viewer=request.user, scene=scene, status=status)


@router.post("/scenes/{scene_id}/responses", response={201: ResponseOut})
def response_submit(request: HttpRequest, scene_id: int, payload: ResponseIn) -> Status[Any]:
    scene = selectors.scene_get(viewer=request.user, scene_id=scene_id)
    return Status(201, services.response_submit(actor=request.user, scene=scene,  # type: ignore[arg-type]
                                                data=payload.dict()))


@router.get("/scene-responses/{response_id}", response=ResponseOut)
def response_get(request: HttpRequest, response_id: int) -> Any:
    return selectors.response_get(viewer=request.user, response_id=response_id)


@router.post("/scene-responses/{response_id}/actions/{action}", response=ResponseOut)
def response_transition(request: HttpRequest, response_id: int, action: str) -> Any:
    response = selectors.response_get(viewer=request.user, response_id=response_id)
    return services.response_transition(actor=request.user, response=response,  # type: ignore[arg-type]
                                        action=action)


@router.get("/scene-responses/{response_id}/messages", response=list[MessageOut])
def message_list(request: HttpRequest, response_id: int) -> Any:
    response = selectors.response_get(viewer=request.user, response_id=response_id)
    return selectors.message_list(viewer=request.user, response=response)


@router.post("/scene-responses/{response_id}/messages", response={201: MessageOut})
def message_post(request: HttpRequest, response_id: int, payload: MessageIn) -> Status[Any]:
    response = selectors.response_get(viewer=request.user, response_id=response_id)
    return Status(201, services.message_post(actor=request.user, response=response,  # type: ignore[arg-type]
                                             body=payload.body))


@router.post("/scene-responses/{response_id}/accept", response={201: DealDetailOut})
def response_accept(request: HttpRequest, response_id: int, payload: AcceptIn,
                    idempotency_key: str | None = Header(None, alias="Idempotency-Key")) -> Status[Any]:
    response = selectors.response_get(viewer=request.user, response_id=response_id)
    deal = services.response_accept(actor=request.user, response=response,  # type: ignore[arg-type]
                                    amount=payload.amount_fen / 100,
                                    milestones=[m.dict() for m in payload.milestones],
                                    key=idempotency_key or None)
    return Status(201, selectors.deal_get(viewer=request.user, deal_id=deal.pk))


@router.get("/deals", response=list[DealOut])
@paginate(PageNumberPagination, page_size=20)
def deal_list(request: HttpRequest, role: str = "", status: str = "", park: str | None = None) -> Any:
    return selectors.deal_list(viewer=request.user, role=role, status=status, park=park_param(park))


@router.get("/deals/{deal_id}", response=DealDetailOut)
def deal_get(request: HttpRequest, deal_id: int) -> Any:
    return selectors.deal_get(viewer=request.user, deal_id=deal_id)


@router.post("/deals/{deal_id}/reviews", response={201: ReviewOut})
def review_submit(request: HttpRequest, deal_id: int, payload: ReviewIn) -> Status[Any]:
    deal = selectors.deal_get(viewer=request.user, deal_id=deal_id)
    return Status(201, services.review_submit(actor=request.user, deal=deal,  # type: ignore[arg-type]
                                              rating=payload.rating, text=payload.text))


@router.post("/deals/{deal_id}/milestones/{milestone_id}/{action}", response=MilestoneOut)
def milestone_act(request: HttpRequest, deal_id: int, milestone_id: int, action: str, payload: MilestoneActionIn,
                  idempotency_key: str | None = Header(None, alias="Idempotency-Key")) -> Any:
    deal = selectors.deal_get(viewer=request.user, deal_id=deal_id)
    return services.milestone_act(actor=request.user, deal=deal, milestone_id=milestone_id,  # type: ignore[arg-type]
                                  action=action, note=payload.note, key=idempotency_key or None)


@router.post("/deals/{deal_id}/actions/{action}", response=DealDetailOut)
def deal_act(request: HttpRequest, deal_id: int, action: str, payload: DealActionIn,
             idempotency_key: str | None = Header(None, alias="Idempotency-Key")) -> Any:
    deal = selectors.deal_get(viewer=request.user, deal_id=deal_id)
    services.deal_act(actor=request.user, deal=deal, action=action, reason=payload.reason,  # type: ignore[arg-type]
                      key=idempotency_key or None, resolution=payload.resolution,
                      settled=None if payload.settled_fen is None else payload.settled_fen / 100)
    return selectors.deal_get(viewer=request.user, deal_id=deal_id)


@router.get("/members/{user_id}/scene-reputation", response=ReputationOut)
def reputation(request: HttpRequest, user_id: int) -> Any:
    return selectors.reputation_get(user_get_active(user_id=user_id))
