"""Open scenes are found by search; invited-only ones only by their audience; closed ones leave."""

from __future__ import annotations

from typing import Any

import pytest

from parkos.accounts.tests.factories import UserFactory
from parkos.scenes import services
from parkos.scenes.models import Scene

pytestmark = pytest.mark.django_db


def test_scene_visibility_in_search(django_capture_on_commit_callbacks: Any) -> None:
    from parkos.search.selectors import search

    publisher, friend, outsider = UserFactory(), UserFactory(), UserFactory()

    def found(user: Any, q: str) -> set[int]:
        return {h.object_id for h in search(viewer=user, q=q, kind="scene").hits}

    with django_capture_on_commit_callbacks(execute=True):
        public = services.scene_create(actor=publisher, publish=True, data={
            "title": "为配送机器人寻找首个试点客户", "description": "室内配送机器人试点", "kind": "pilot"})
        invited = services.scene_create(actor=publisher, publish=True, data={
            "title": "闭门路演寻找天使投资人", "description": "仅限受邀投资人", "audience": "invited"})
        services.scene_create(actor=publisher, data={"title": "草稿里的无人机测试需求", "description": "草稿"})
        services.scene_invite(actor=publisher, scene=invited, users=[friend])
    assert found(None, "配送机器人") == {public.pk}
    assert found(outsider, "天使投资人") == set()
    assert found(None, "天使投资人") == set()
    assert found(friend, "天使投资人") == {invited.pk}
    assert found(publisher, "天使投资人") == {invited.pk}
    assert found(publisher, "无人机") == set()
    with django_capture_on_commit_callbacks(execute=True):
        services.scene_transition(actor=publisher, scene=public, action="close")
    assert Scene.objects.get(pk=public.pk).status == Scene.Status.CLOSED
    assert found(None, "配送机器人") == set()
