from __future__ import annotations

from typing import Any

import pytest

from parkos.accounts.services import user_delete, user_update_profile
from parkos.accounts.tests.factories import PASSWORD
from parkos.enterprises.services import enterprise_update
from parkos.search import services
from parkos.search.models import ReindexProgress, SearchAudience, SearchDocument, Visibility
from parkos.search.registry import IndexDoc
from parkos.search.selectors import search
from parkos.search.tests.factories import enterprise, member

pytestmark = pytest.mark.django_db


def _titles(viewer: Any, q: str, **kw: Any) -> list[str]:
    return [h.title for h in search(viewer=viewer, q=q, **kw).hits]


def test_enterprise_is_indexed_after_commit_and_follows_updates(django_capture_on_commit_callbacks: Any) -> None:
    admin = member()
    with django_capture_on_commit_callbacks(execute=True):
        ent = enterprise(actor=admin, name="北京思灵机器人有限公司", short_name="思灵机器人", tags="协作机器人, 法务")
    viewer = member()
    assert _titles(viewer, "思灵") == ["北京思灵机器人有限公司"]
    assert _titles(None, "法务") == ["北京思灵机器人有限公司"]  # enterprises are public
    with django_capture_on_commit_callbacks(execute=True):
        enterprise_update(actor=admin, enterprise=ent, data={"tags": "财税"})
    assert _titles(viewer, "法务") == []
    assert _titles(viewer, "財稅") == ["北京思灵机器人有限公司"]


def test_nothing_is_indexed_when_the_transaction_rolls_back(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enterprise(name="回滚测试有限公司")
    assert callbacks  # scheduled for after commit, not run inside the transaction
    assert not SearchDocument.objects.filter(title="回滚测试有限公司").exists()


def test_deactivated_enterprise_leaves_the_index(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ent = enterprise(name="东升杯参赛有限公司")
    ent.is_active = False
    ent.save(update_fields=["is_active"])
    services.document_index(kind="enterprise", object_id=ent.pk)
    assert _titles(None, "东升杯") == []


def test_hidden_profile_is_never_findable(django_capture_on_commit_callbacks: Any) -> None:
    alice = member(display_name="欧阳娜娜", bio="企业管家")
    bob = member()
    with django_capture_on_commit_callbacks(execute=True):
        user_update_profile(actor=alice, user=alice, data={"bio": "财税专家"})
    assert _titles(bob, "欧阳娜娜") == ["欧阳娜娜"]
    assert _titles(None, "欧阳娜娜") == []  # profiles are for logged-in members only
    with django_capture_on_commit_callbacks(execute=True):
        user_update_profile(actor=alice, user=alice, data={"is_public": False})
    assert _titles(bob, "欧阳娜娜") == []
    assert _titles(alice, "欧阳娜娜") == []
    assert not SearchDocument.objects.filter(kind="person", object_id=alice.pk).exists()


def test_deleted_account_leaves_the_index(django_capture_on_commit_callbacks: Any) -> None:
    carol = member(display_name="司马懿")
    services.document_index(kind="person", object_id=carol.pk)
    assert _titles(member(), "司马懿") == ["司马懿"]
    with django_capture_on_commit_callbacks(execute=True):
        user_delete(actor=carol, user=carol, password=PASSWORD)
    assert _titles(member(), "司马懿") == []


def test_audience_documents_are_seen_only_by_their_audience() -> None:
    owner, colleague, outsider = member(), member(), member()
    ent = enterprise(actor=owner, name="加班券发放有限公司")
    doc = IndexDoc(title="加班券订单 42", url="/orders/42/", visibility=Visibility.AUDIENCE,
                   audience=[f"enterprise:{ent.pk}", "role:operator"])
    row = services.document_build(kind="service", object_id=42, doc=doc)
    services._write("service", [42], [row])
    from parkos.enterprises.models import Membership

    Membership.objects.create(enterprise=ent, user=colleague, role=Membership.Role.STAFF)
    assert SearchAudience.objects.count() == 2
    assert _titles(owner, "加班券订单") == ["加班券订单 42"]
    assert _titles(colleague, "加班券订单") == ["加班券订单 42"]
    assert _titles(outsider, "加班券订单") == []
    assert _titles(None, "加班券订单") == []
    assert search(viewer=outsider, q="加班券订单").facets == []


def test_reindex_rebuilds_removes_stale_and_resumes() -> None:
    people = [member(display_name=f"重建{i}号") for i in range(5)]
    hidden = member(display_name="重建隐身", is_public=False)
    SearchDocument.objects.create(kind="person", object_id=hidden.pk, title="重建隐身")  # stale
    calls: list[tuple[str, int, int]] = []
    counts = services.reindex(kinds=["person"], progress=lambda k, d, t: calls.append((k, d, t)))
    assert counts["person"] == 5  # every active public profile, nothing else
    titles = set(SearchDocument.objects.filter(kind="person").values_list("title", flat=True))
    assert {p.display_name for p in people} <= titles
    assert "重建隐身" not in titles
    assert calls[-1][1] == calls[-1][2]
    # An interrupted run resumes after its last id instead of starting over.
    state = ReindexProgress.objects.get(kind="person")
    state.done, state.last_id = False, people[2].pk
    state.save()
    resumed = services.reindex(kinds=["person"])
    assert resumed["person"] == 2


def test_did_you_mean_for_latin_typos() -> None:
    services.document_index(kind="enterprise", object_id=enterprise(name="Agile Robots 北京有限公司").pk)
    result = search(viewer=None, q="robts")
    assert result.total == 0
    assert result.suggestion == "robot"
