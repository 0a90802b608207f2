"""The investor's private pipeline: theirs alone. Another investor, the enterprise, its butler and the
park's operators cannot read or change it (404 for another's entry, so its existence does not leak); moves
go anywhere except out of invested; bad input changes nothing; the list is a constant number of queries."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid, NotFound
from parkos.network.models import PipelineEntry, PipelineMove, PipelineStage
from parkos.network.selectors.pipeline import pipeline_get, pipeline_list
from parkos.network.services.pipeline import pipeline_add, pipeline_remove, pipeline_update
from parkos.network.tests.test_intros_fixtures import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db: None) -> dict[str, Any]:
    return world()


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_moves_forward_and_back_but_never_out_of_invested(w: dict[str, Any]) -> None:
    me = w["investor"].user
    entry, created = pipeline_add(actor=me, enterprise=w["enterprise"], note="团队扎实")
    again, created_again = pipeline_add(actor=me, enterprise=w["enterprise"], stage="met")
    assert created and not created_again and again.pk == entry.pk and again.stage == PipelineStage.INTERESTED
    for stage in ("met", "due_diligence", "met", "passed", "interested", "invested"):
        entry = pipeline_update(actor=me, entry=entry, stage=stage)
    assert entry.stage == PipelineStage.INVESTED
    with pytest.raises(Conflict) as stuck:
        pipeline_update(actor=me, entry=entry, stage="passed")
    assert stuck.value.code == ErrorCode.ILLEGAL_TRANSITION
    entry = pipeline_update(actor=me, entry=entry, note="已交割")
    assert entry.note == "已交割" and entry.stage == PipelineStage.INVESTED
    assert [m.to_stage for m in PipelineMove.objects.filter(entry=entry)] == [
        "interested", "met", "due_diligence", "met", "passed", "interested", "invested"]
    for bad in ({"stage": "won"}, {"note": "x" * 4001}, {"note": "a\x07"}):
        with pytest.raises(Invalid):
            pipeline_update(actor=me, entry=entry, **bad)
    entry.refresh_from_db()
    assert entry.note == "已交割"


def test_nobody_but_the_investor_sees_or_touches_it(w: dict[str, Any]) -> None:
    entry, _ = pipeline_add(actor=w["investor"].user, enterprise=w["enterprise"], note="估值偏高")
    for someone in (w["investor2"].user, w["admin"], w["colleague"], w["butler"], w["operator"], w["outsider"]):
        assert list(pipeline_list(viewer=someone)) == []
        with pytest.raises(NotFound):
            pipeline_get(viewer=someone, entry_id=entry.pk)
        with pytest.raises(Forbidden):
            pipeline_update(actor=someone, entry=entry, stage="passed")
        with pytest.raises(Forbidden):
            pipeline_remove(actor=someone, entry=entry)
    # Without an investor profile there is no pipeline to add to.
    with pytest.raises(Forbidden):
        pipeline_add(actor=w["admin"], enterprise=w["enterprise"])
    entry.refresh_from_db()
    assert entry.stage == PipelineStage.INTERESTED and entry.note == "估值偏高"
    assert pipeline_get(viewer=w["investor"].user, entry_id=entry.pk).pk == entry.pk


def test_the_api_keeps_it_private(w: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    owner = _client(w["investor"].user)
    made = owner.post("/api/v1/network/pipeline", json.dumps({"enterprise": w["enterprise"].pk, "note": "跟进"}),
                      content_type="application/json")
    assert made.status_code == 201, made.content
    entry_id = made.json()["id"]
    assert owner.post("/api/v1/network/pipeline", json.dumps({"enterprise": w["enterprise"].pk}),
                      content_type="application/json").status_code == 200
    moved = owner.patch(f"/api/v1/network/pipeline/{entry_id}", json.dumps({"stage": "met"}),
                        content_type="application/json")
    assert moved.status_code == 200 and moved.json()["stage"] == "met"
    bad = owner.patch(f"/api/v1/network/pipeline/{entry_id}", json.dumps({"stage": "nope"}),
                      content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_choice" and "选项" in bad.json()["message"]
    for someone in (w["investor2"].user, w["admin"], w["operator"]):
        other = _client(someone)
        assert other.get("/api/v1/network/pipeline").json()["items"] == []
        assert other.patch(f"/api/v1/network/pipeline/{entry_id}", json.dumps({"stage": "passed"}),
                           content_type="application/json").status_code == 404
        assert other.delete(f"/api/v1/network/pipeline/{entry_id}").status_code == 404
    from parkos.enterprises.tests.factories import EnterpriseFactory

    for _i in range(5):
        pipeline_add(actor=w["investor"].user, enterprise=EnterpriseFactory(), stage="interested")
    with django_assert_max_num_queries(12):
        listed = owner.get("/api/v1/network/pipeline")
    assert listed.json()["count"] == 6
    page = owner.get("/network/pipeline/")
    assert page.status_code == 200 and w["enterprise"].name in page.content.decode()
    for someone in (w["admin"], w["operator"]):
        assert w["enterprise"].name not in _client(someone).get("/network/pipeline/").content.decode()
    assert owner.delete(f"/api/v1/network/pipeline/{entry_id}").status_code == 204
    assert not PipelineEntry.objects.filter(pk=entry_id).exists()
