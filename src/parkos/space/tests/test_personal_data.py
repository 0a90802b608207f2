"""The map's part of "download my data": choices, blocks, invitations and bans; nothing of others'."""

from __future__ import annotations

import json

import pytest

from parkos.accounts.services import user_export
from parkos.accounts.tests.factories import UserFactory
from parkos.notifications.services import notification_send
from parkos.space.models import AreaInvite, Block, MapBan, SpacePreference
from parkos.space.tests.maps import tiled

pytestmark = pytest.mark.django_db


def test_export_holds_the_members_map_choices_blocks_invitations_and_bans(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    from parkos.space.models import SpaceMap

    me, other, third = UserFactory(), UserFactory(display_name="乙"), UserFactory()
    space = SpaceMap.objects.create(slug="park", name="园区", tiled=tiled())
    SpacePreference.objects.create(user=me, show_in_park=True, followable=False)
    Block.objects.create(user=me, blocked=other)
    Block.objects.create(user=third, blocked=me)  # someone blocking me is theirs, not mine
    AreaInvite.objects.create(map=space, area="会议室 1", user=me, by=other)
    MapBan.objects.create(map=space, user=me, by=other, reason="刷屏")
    with django_capture_on_commit_callbacks(execute=True):  # notifications are written on commit
        notification_send(recipients=[me], kind="moderation", title="提醒", body="请注意")
    data = user_export(actor=me, user=me)
    section = data["space"]
    assert section["preferences"]["show_in_park"] is True and section["preferences"]["followable"] is False
    assert [b["member"] for b in section["blocked"]] == ["乙"]
    assert [(i["map"], i["area"]) for i in section["room_invitations"]] == [("park", "会议室 1")]
    assert [b["reason"] for b in section["bans"]] == ["刷屏"]
    assert [n["title"] for n in data["notifications"]["notifications"]] == ["提醒"]
    json.dumps(data)
    theirs = user_export(actor=third, user=third)
    assert theirs["space"]["blocked"][0]["member_id"] == me.pk and theirs["space"]["bans"] == []
    assert theirs["space"]["preferences"] == {"show_in_park": False, "followable": True, "changed_at": None}
    assert theirs["notifications"]["notifications"] == []
