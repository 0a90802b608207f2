"""Data rooms: a document fetched after revocation or expiry is refused (403, logged as refused), before
consent refused (terms_not_accepted), after the terms change consent is needed again; every view and
download is logged with the address and only the room's admins read the log; uploads are judged by their
bytes; permissions with owner, colleague and outsider; lists in a constant number of queries."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid, NotFound
from parkos.network.demo_intros import minimal_pdf
from parkos.network.models import AccessAction, AccessLog, DataRoom, Document, Grant
from parkos.network.selectors.datarooms import access_log_list, dataroom_list, document_find, grant_list
from parkos.network.services.datarooms import (
    dataroom_create,
    dataroom_update,
    document_add,
    document_open,
    document_remove,
    grant_consent,
    grant_create,
    grant_revoke,
    terms_digest,
)
from parkos.network.tests.test_intros_fixtures import world

pytestmark = pytest.mark.django_db

TERMS = "本资料室内容仅供投资评估使用，未经书面同意不得向第三方披露。"


@pytest.fixture
def w(db: None) -> dict[str, Any]:
    data = world()
    data["room"] = dataroom_create(actor=data["admin"], enterprise=data["enterprise"], title="A 轮融资资料", terms=TERMS)
    data["doc"] = document_add(actor=data["admin"], room=data["room"],
                               upload=SimpleUploadedFile("商业计划书.pdf", minimal_pdf("Business plan")),
                               title="商业计划书", kind="business_plan")
    return data


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", REMOTE_ADDR="203.0.113.7")
    client.force_login(user)
    return client


def test_consent_then_view_and_download_each_logged(w: dict[str, Any]) -> None:
    investor = w["investor"].user
    grant, created = grant_create(actor=w["admin"], room=w["room"], investor=w["investor"])
    assert created and dt.timedelta(days=29) < grant.expires_at - timezone.now() <= dt.timedelta(days=30)
    with pytest.raises(Forbidden) as before:
        document_open(actor=investor, document=w["doc"], download=False, ip="203.0.113.7")
    assert before.value.code == ErrorCode.TERMS_NOT_ACCEPTED
    grant = grant_consent(actor=investor, grant=grant, terms_version=1, ip="203.0.113.7")
    assert grant.consent_version == 1 and grant.consent_digest == terms_digest(TERMS) and grant.consented_at
    opened = document_open(actor=investor, document=w["doc"], download=False, ip="203.0.113.7")
    assert opened.inline
    assert not document_open(actor=investor, document=w["doc"], download=True, ip="203.0.113.7").inline
    actions = [(a.action, a.ip) for a in AccessLog.objects.filter(room=w["room"]).order_by("id")]
    assert actions == [("consent", "203.0.113.7"), ("view", "203.0.113.7"), ("download", "203.0.113.7")]
    assert w["doc"].sha256 and len(w["doc"].sha256) == 64 and w["doc"].content_type == "application/pdf"


def test_refused_after_revocation_and_after_expiry_and_logged(w: dict[str, Any]) -> None:
    investor = w["investor"].user
    grant, _ = grant_create(actor=w["admin"], room=w["room"], investor=w["investor"])
    grant_consent(actor=investor, grant=grant)
    grant_revoke(actor=w["admin"], grant=grant)
    with pytest.raises(Forbidden) as revoked:
        document_open(actor=investor, document=w["doc"], download=True, ip="198.51.100.1")
    assert revoked.value.code == ErrorCode.ACCESS_REVOKED
    # A new grant, then let it expire.
    fresh, created = grant_create(actor=w["admin"], room=w["room"], investor=w["investor"], days=1)
    assert created and fresh.pk != grant.pk and fresh.consent_version is None
    grant_consent(actor=investor, grant=fresh)
    Grant.objects.filter(pk=fresh.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(Forbidden) as expired:
        document_open(actor=investor, document=w["doc"], download=False, ip="198.51.100.1")
    assert expired.value.code == ErrorCode.ACCESS_EXPIRED
    refused = AccessLog.objects.filter(room=w["room"], action=AccessAction.REFUSED)
    assert refused.count() == 2 and {r.document_id for r in refused} == {w["doc"].pk}
    assert not AccessLog.objects.filter(action__in=(AccessAction.VIEW, AccessAction.DOWNLOAD)).exists()
    # An expired grant cannot be consented to either.
    with pytest.raises(Forbidden):
        grant_consent(actor=investor, grant=fresh)


def test_new_terms_need_a_new_consent(w: dict[str, Any]) -> None:
    investor = w["investor"].user
    grant, _ = grant_create(actor=w["admin"], room=w["room"], investor=w["investor"])
    grant_consent(actor=investor, grant=grant)
    document_open(actor=investor, document=w["doc"], download=False)
    room = dataroom_update(actor=w["admin"], room=w["room"], terms=TERMS + "保密期限三年。")
    assert room.terms_version == 2
    same = dataroom_update(actor=w["admin"], room=room, terms=TERMS + "保密期限三年。")
    assert same.terms_version == 2
    with pytest.raises(Forbidden) as again:
        document_open(actor=investor, document=w["doc"], download=False)
    assert again.value.code == ErrorCode.TERMS_NOT_ACCEPTED
    with pytest.raises(Conflict):
        grant_consent(actor=investor, grant=grant, terms_version=1)
    grant = grant_consent(actor=investor, grant=grant, terms_version=2)
    assert grant.consent_version == 2
    document_open(actor=investor, document=w["doc"], download=False)


def test_who_may_do_what(w: dict[str, Any]) -> None:
    room, doc = w["room"], w["doc"]
    grant, _ = grant_create(actor=w["admin"], room=room, investor=w["investor"])
    for someone in (w["colleague"], w["butler"], w["operator"], w["investor"].user, w["outsider"], w["other_admin"]):
        with pytest.raises(Forbidden):
            dataroom_update(actor=someone, room=room, terms="改")
        with pytest.raises(Forbidden):
            grant_create(actor=someone, room=room, investor=w["investor2"])
        with pytest.raises(Forbidden):
            grant_revoke(actor=someone, grant=grant)
        with pytest.raises(Forbidden):
            document_remove(actor=someone, document=doc)
        with pytest.raises(Forbidden):
            access_log_list(viewer=someone, room=room)
        with pytest.raises(Forbidden):
            grant_list(viewer=someone, room=room)
    for someone in (w["colleague"], w["butler"], w["operator"], w["outsider"], w["investor2"].user):
        with pytest.raises(NotFound):
            document_find(viewer=someone, document_id=doc.pk)
        assert room not in dataroom_list(viewer=someone)
        with pytest.raises(Forbidden):
            grant_consent(actor=someone, grant=grant)
    with pytest.raises(Forbidden):
        dataroom_create(actor=w["colleague"], enterprise=w["enterprise"], title="x", terms="y")
    assert room in dataroom_list(viewer=w["investor"].user) and room in dataroom_list(viewer=w["admin"])
    assert DataRoom.objects.get(pk=room.pk).terms == TERMS and Grant.objects.get(pk=grant.pk).revoked_at is None


def test_bad_input_changes_nothing(w: dict[str, Any]) -> None:
    room = w["room"]
    bad_files = [SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 not a pdf"), SimpleUploadedFile("run.exe", b"MZ\x90"),
                 SimpleUploadedFile("empty.pdf", b""), SimpleUploadedFile("fake.xlsx", minimal_pdf())]
    for upload in bad_files:
        with pytest.raises(Invalid):
            document_add(actor=w["admin"], room=room, upload=upload)
    with pytest.raises(Invalid):
        document_add(actor=w["admin"], room=room, upload=SimpleUploadedFile("a.pdf", minimal_pdf()), kind="secret")
    assert Document.objects.count() == 1
    for days in (0, 366, "x"):
        with pytest.raises(Invalid):
            grant_create(actor=w["admin"], room=room, investor=w["investor"], days=days)
    for title, terms in (("", TERMS), ("x" * 101, TERMS), ("ok", ""), ("ok", "a\x00")):
        with pytest.raises(Invalid):
            dataroom_create(actor=w["admin"], enterprise=w["enterprise"], title=title, terms=terms)
    assert Grant.objects.count() == 0 and DataRoom.objects.count() == 1


def test_a_grant_given_again_is_renewed_and_a_removed_document_is_gone(w: dict[str, Any]) -> None:
    first, _ = grant_create(actor=w["admin"], room=w["room"], investor=w["investor"], days=5)
    again, created = grant_create(actor=w["admin"], room=w["room"], investor=w["investor"], days=60)
    assert not created and again.pk == first.pk and again.expires_at - timezone.now() > dt.timedelta(days=59)
    grant_consent(actor=w["investor"].user, grant=again)
    document_remove(actor=w["admin"], document=w["doc"])
    with pytest.raises(NotFound):
        document_open(actor=w["investor"].user, document=Document.objects.get(pk=w["doc"].pk), download=False)


def test_the_api_and_the_pages(w: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    admin, investor = _client(w["admin"]), _client(w["investor"].user)
    made = admin.post(f"/api/v1/network/datarooms/{w['room'].pk}/grants",
                      json.dumps({"investor": w["investor"].pk, "days": 10}), content_type="application/json")
    assert made.status_code == 201, made.content
    grant_id = made.json()["id"]
    url = f"/api/v1/network/documents/{w['doc'].pk}"
    refused = investor.get(url)
    assert refused.status_code == 403 and refused.json()["code"] == "terms_not_accepted"
    assert investor.post(f"/api/v1/network/grants/{grant_id}/consent", json.dumps({"terms_version": 1}),
                         content_type="application/json").json()["consent_current"] is True
    shown = investor.get(url)
    assert shown.status_code == 200 and shown["Content-Disposition"].startswith("inline")
    body: Any = shown
    assert b"".join(body.streaming_content).startswith(b"%PDF")
    got = investor.get(url + "?download=1")
    assert got["Content-Disposition"].startswith("attachment") and got["Cache-Control"] == "private, no-store"
    # The file has no public address.
    assert Client().get(f"/media/{w['doc'].file.name}").status_code == 404
    assert investor.get(f"/api/v1/network/datarooms/{w['room'].pk}/log").status_code == 403
    log = admin.get(f"/api/v1/network/datarooms/{w['room'].pk}/log").json()["items"]
    assert [e["action"] for e in log] == ["download", "view", "consent"] and log[0]["ip"] == "203.0.113.7"
    assert admin.post(f"/api/v1/network/grants/{grant_id}/revoke").status_code == 200
    after = investor.get(url)
    assert after.status_code == 403 and after.json()["code"] == "access_revoked" and after.json()["message"]
    outsider = _client(w["outsider"])
    assert outsider.get(url).status_code == 404
    assert outsider.get(f"/api/v1/network/datarooms/{w['room'].pk}").status_code == 404
    upload = admin.post(f"/api/v1/network/datarooms/{w['room'].pk}/documents",
                        {"file": SimpleUploadedFile("财务.pdf", minimal_pdf("F")), "title": "财务报表",
                         "kind": "financials"})
    assert upload.status_code == 201, upload.content
    for i in range(4):
        dataroom_create(actor=w["admin"], enterprise=w["enterprise"], title=f"资料室{i}", terms=TERMS)
    with django_assert_max_num_queries(10):
        rooms = admin.get("/api/v1/network/datarooms")
    assert rooms.json()["count"] == 5
    page = admin.get(f"/network/datarooms/{w['room'].pk}/")
    assert page.status_code == 200 and "203.0.113.7" in page.content.decode()
    assert investor.get(f"/network/datarooms/{w['room'].pk}/").status_code == 200
    assert outsider.get(f"/network/datarooms/{w['room'].pk}/").status_code == 404
