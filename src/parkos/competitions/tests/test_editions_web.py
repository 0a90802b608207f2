"""Editions' pages and API: the list and the public page for visitors and members (the deadline in Beijing
time, the apply button while open), the organisers' dashboard refused to members and to another park's
operator, the configuration pages with their translated errors, and an API round trip."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import make_user
from parkos.competitions.models import (
    Criterion,
    Edition,
    EditionStatus,
    FormField,
    RoundKind,
    RoundStatus,
    Track,
)
from parkos.competitions.services import editions as services
from parkos.competitions.tests.factories import ApplicationFactory, EditionFactory, RoundFactory, TrackFactory
from parkos.core.models import Park
from parkos.core.parks import park_default

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast() -> dict[str, Any]:
    main = park_default()
    other = Park.objects.create(code="cw2", name="乙园", name_en="Park B", position=9)
    return {"park": main, "other": other,
            "operator": make_user((Role.OPERATOR, main)),  # type: ignore[arg-type]
            "outsider": make_user((Role.OPERATOR, other)),  # type: ignore[arg-type]
            "member": make_user()}


def _client(user: Any = None) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the messages asserted are the English sources
    if user is not None:
        client.force_login(user)
    return client


def _open_edition(**kwargs: Any) -> Edition:
    park = park_default()
    deadline = services.deadline_at_for(timezone.localdate() + dt.timedelta(days=30), park)
    return EditionFactory(deadline_at=deadline, **kwargs)


# --- public pages -------------------------------------------------------------------------------------

def test_index_lists_editions_with_badges_and_hides_drafts(cast: dict[str, Any]) -> None:
    empty = _client().get("/competitions/")
    assert empty.status_code == 200 and 'data-testid="empty"' in empty.content.decode()
    shown = _open_edition(year=2026, name_zh="东升杯创业大赛 2026", name_en="")
    draft = EditionFactory(year=2027, name_zh="东升杯创业大赛 2027", name_en="", status=EditionStatus.DRAFT)
    for user in (None, cast["member"]):
        page = _client(user).get("/competitions/").content.decode()
        assert "东升杯创业大赛 2026" in page and "东升杯创业大赛 2027" not in page
        assert f'data-testid="status-{shown.pk}"' in page and "edition-new" not in page
    page = _client(cast["operator"]).get("/competitions/").content.decode()
    assert "东升杯创业大赛 2027" in page and f'data-testid="status-{draft.pk}"' in page and "edition-new" in page


def test_public_page_for_visitors_and_members(cast: dict[str, Any]) -> None:
    edition = _open_edition(description="面向全球的创业大赛。")
    TrackFactory(edition=edition, name_zh="人工智能", name_en="AI")
    Edition.objects.filter(pk=edition.pk).update(
        deadline_at=services.deadline_at_for(dt.date(2099, 9, 30), edition.park))
    published = RoundFactory(edition=edition, name_en="Online review", status=RoundStatus.PUBLISHED)
    for user in (None, cast["member"]):
        response = _client(user).get(f"/competitions/editions/{edition.pk}/")
        page = response.content.decode()
        assert response.status_code == 200
        assert "2099-09-30 23:59:59 (Beijing time)" in page
        assert "AI" in page and "面向全球的创业大赛。" in page
        assert 'data-testid="timeline"' in page and 'data-testid="manage"' not in page
        if user is not None:
            assert f"/competitions/editions/{edition.pk}/apply/" in page  # the applications part's page
        from django.urls import NoReverseMatch, reverse
        try:
            results = reverse("competitions:results", args=[published.pk])
        except NoReverseMatch:  # the ranking part's page is not there yet
            results = ""
        if results:
            assert results in page
    # An organiser sees the way to the dashboard.
    assert 'data-testid="manage"' in _client(cast["operator"]).get(f"/competitions/editions/{edition.pk}/").content.decode()


def test_closed_call_has_no_apply_button_and_drafts_are_not_found(cast: dict[str, Any]) -> None:
    closed = EditionFactory(status=EditionStatus.JUDGING, deadline_at=timezone.now() - dt.timedelta(days=1),
                            call_opens_at=timezone.now() - dt.timedelta(days=40))
    page = _client(cast["member"]).get(f"/competitions/editions/{closed.pk}/").content.decode()
    assert 'data-testid="apply"' not in page
    draft = EditionFactory(status=EditionStatus.DRAFT)
    assert _client(cast["member"]).get(f"/competitions/editions/{draft.pk}/").status_code == 404
    assert _client(cast["outsider"]).get(f"/competitions/editions/{draft.pk}/").status_code == 404
    assert _client(cast["operator"]).get(f"/competitions/editions/{draft.pk}/").status_code == 200


# --- the organisers' pages ----------------------------------------------------------------------------

def test_manage_is_the_organisers(cast: dict[str, Any]) -> None:
    edition = _open_edition()
    track = TrackFactory(edition=edition, code="ai")
    ApplicationFactory.create_batch(2, edition=edition, track=track)
    RoundFactory(edition=edition, kind=RoundKind.ONLINE)
    url = f"/competitions/editions/{edition.pk}/manage/"
    assert _client().get(url).status_code == 302  # to the log-in page
    assert _client(cast["member"]).get(url).status_code == 403
    assert _client(cast["outsider"]).get(url).status_code == 403
    response = _client(cast["operator"]).get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="count-submitted">2<' in page and 'data-testid="track-ai">2<' in page
    assert "weights must sum to 100" in page
    from django.urls import reverse  # every organiser page of the competition is linked by its URL name
    assert reverse("competitions:applications", args=[edition.pk]) in page
    for path in ("manage/edit/", "manage/tracks/", "manage/form/", "manage/rounds/"):
        assert _client(cast["member"]).get(f"/competitions/editions/{edition.pk}/{path}").status_code == 403
        assert _client(cast["operator"]).get(f"/competitions/editions/{edition.pk}/{path}").status_code == 200
    assert _client(cast["member"]).post(f"/competitions/editions/{edition.pk}/manage/tracks/", {
        "action": "add", "code": "robots", "name_zh": "机器人"}).status_code == 403
    assert not Track.objects.filter(code="robots").exists()


def test_create_an_edition_from_the_page_with_translated_errors(cast: dict[str, Any]) -> None:
    client = _client(cast["operator"])
    assert _client(cast["member"]).get("/competitions/editions/new/").status_code == 403
    data = {"year": "2026", "name_zh": "东升杯创业大赛 2026", "call_opens_on": "2026-06-01",
            "deadline_on": "2026-05-01", "min_team_size": "1", "max_team_size": "15", "appeal_days": "3",
            "allow_unregistered": "on", "feedback_to_teams": "on"}
    bad = client.post("/competitions/editions/new/", data)
    assert bad.status_code == 400 and "The deadline must come after the call opens." in bad.content.decode()
    zh = Client()
    zh.force_login(cast["operator"])
    assert zh.post("/competitions/editions/new/", data).status_code == 400
    assert not Edition.objects.exists()
    data["deadline_on"] = "2026-09-30"
    ok = client.post("/competitions/editions/new/", data)
    edition = Edition.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/competitions/editions/{edition.pk}/manage/"
    assert edition.deadline_at == services.deadline_at_for(dt.date(2026, 9, 30), cast["park"])
    # The same year again: the error is shown next to the year.
    again = client.post("/competitions/editions/new/", data)
    assert again.status_code == 400 and "This park already has an edition for this year." in again.content.decode()


def test_configure_tracks_form_rounds_and_criteria_from_pages(cast: dict[str, Any]) -> None:
    edition = EditionFactory(status=EditionStatus.DRAFT)
    client = _client(cast["operator"])
    base = f"/competitions/editions/{edition.pk}/manage"
    assert client.post(f"{base}/tracks/", {"action": "add", "code": "ai", "name_zh": "人工智能"}).status_code == 302
    dup = client.post(f"{base}/tracks/", {"action": "add", "code": "ai", "name_zh": "又一个"})
    assert dup.status_code == 400 and "Another track of this edition has this code." in dup.content.decode()
    bad_file = client.post(f"{base}/form/", {"action": "add", "key": "plan", "kind": "file", "label_zh": "商业计划书"})
    assert bad_file.status_code == 400 and "Name the file types a team may upload." in bad_file.content.decode()
    assert client.post(f"{base}/form/", {"action": "add", "key": "plan", "kind": "file", "label_zh": "商业计划书",
                                         "file_types": ["pdf", "pptx"], "max_mb": "30"}).status_code == 302
    assert client.post(f"{base}/form/", {"action": "add", "key": "stage", "kind": "choice", "label_zh": "阶段",
                                         "choices": "种子轮\n天使轮"}).status_code == 302
    stage = FormField.objects.get(edition=edition, key="stage")
    assert client.post(f"{base}/form/", {"action": "up", "id": stage.pk}).status_code == 302
    assert list(edition.fields.order_by("position").values_list("key", flat=True)) == ["stage", "plan"]
    added = client.post(f"{base}/rounds/", {"action": "add", "kind": "roadshow", "name_zh": "决赛路演",
                                            "tie_rule": "raw_mean"})
    rnd = edition.rounds.get()
    assert added.status_code == 302 and rnd.drop_extremes and not rnd.normalise
    round_url = f"/competitions/manage/rounds/{rnd.pk}/"
    client.post(round_url, {"action": "criterion_add", "name_zh": "技术创新", "weight": "60", "max_score": "10"})
    page = client.get(round_url).content.decode()
    assert 'data-testid="weights-warn"' in page and "60/100" in page
    client.post(round_url, {"action": "criterion_add", "name_zh": "市场前景", "weight": "40", "max_score": "10"})
    page = client.get(round_url).content.decode()
    assert 'data-testid="weights-warn"' not in page and "100/100" in page
    assert Criterion.objects.filter(round=rnd).count() == 2
    # Another park's operator reaches none of it.
    outsider = _client(cast["outsider"])
    assert outsider.get(round_url).status_code == 404  # a draft edition's round is not even found
    assert outsider.post(round_url, {"action": "criterion_add", "name_zh": "X", "weight": "5"}).status_code == 404
    assert Criterion.objects.filter(round=rnd).count() == 2


def test_copy_from_the_dashboard(cast: dict[str, Any]) -> None:
    edition = _open_edition(year=2031, name_zh="东升杯 2031")
    TrackFactory(edition=edition, code="ai")
    response = _client(cast["operator"]).post(f"/competitions/editions/{edition.pk}/manage/copy/", {"year": "2032"})
    copy = Edition.objects.get(year=2032)
    assert response.status_code == 302 and copy.name_zh == "东升杯 2032" and copy.tracks.get().code == "ai"
    assert _client(cast["member"]).post(f"/competitions/editions/{edition.pk}/manage/copy/",
                                        {"year": "2033"}).status_code == 403
    assert not Edition.objects.filter(year=2033).exists()


# --- API ----------------------------------------------------------------------------------------------

def test_api_round_trip(cast: dict[str, Any]) -> None:
    op = _client(cast["operator"])
    created = op.post("/api/v1/competitions/editions", {
        "year": 2026, "name_zh": "东升杯创业大赛 2026", "call_opens_on": "2026-06-01", "deadline_on": "2026-09-30"},
        content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    pk = body["id"]
    assert body["status"] == "draft" and body["deadline_at"].startswith("2026-09-30T15:59:59")
    assert [item["label"] for item in body["timeline"]][:2] == ["Call for applications opens", "Application deadline"]
    assert body["timeline"][1]["when"] == "2026-09-30T23:59:59+08:00"
    # Members neither see the draft nor write.
    member = _client(cast["member"])
    assert member.get(f"/api/v1/competitions/editions/{pk}").status_code == 404
    assert member.post("/api/v1/competitions/editions", {
        "year": 2027, "name_zh": "x", "call_opens_on": "2027-06-01", "deadline_on": "2027-09-30"},
        content_type="application/json").status_code == 403
    track = op.post(f"/api/v1/competitions/editions/{pk}/tracks", {"code": "ai", "name_zh": "人工智能"},
                    content_type="application/json")
    assert track.status_code == 201
    bad = op.post(f"/api/v1/competitions/editions/{pk}/fields", {"key": "plan", "kind": "file", "label_zh": "计划书",
                                                                  "file_types": ["exe"]},
                  content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "file_type" and "file_types" in bad.json()["details"]
    field = op.post(f"/api/v1/competitions/editions/{pk}/fields", {"key": "plan", "kind": "file", "label_zh": "计划书",
                                                                    "file_types": ["pdf"], "required": True},
                    content_type="application/json")
    assert field.status_code == 201 and field.json()["max_mb"] == 20
    rnd = op.post(f"/api/v1/competitions/editions/{pk}/rounds", {"kind": "online", "name_zh": "网络初评"},
                  content_type="application/json").json()
    assert rnd["normalise"] is True and rnd["weights_ok"] is False
    for name, weight in (("技术", 60), ("市场", 40)):
        assert op.post(f"/api/v1/competitions/rounds/{rnd['id']}/criteria", {"name_zh": name, "weight": weight},
                       content_type="application/json").status_code == 201
    got = op.get(f"/api/v1/competitions/rounds/{rnd['id']}").json()
    assert got["weights_ok"] is True and [c["weight"] for c in got["criteria"]] == [60, 40]
    patched = op.patch(f"/api/v1/competitions/editions/{pk}", {"name_en": "Dongsheng Cup 2026"},
                       content_type="application/json")
    assert patched.status_code == 200 and patched.json()["name_en"] == "Dongsheng Cup 2026"
    opened = op.post(f"/api/v1/competitions/editions/{pk}/status", {"status": "open"}, content_type="application/json")
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    illegal = op.post(f"/api/v1/competitions/editions/{pk}/status", {"status": "finished"},
                      content_type="application/json")
    assert illegal.status_code == 409 and illegal.json()["code"] == "illegal_transition"
    # Now open, members see it; the outsider may not change it.
    assert member.get(f"/api/v1/competitions/editions/{pk}").status_code == 200
    listed = member.get("/api/v1/competitions/editions").json()  # the API wants an account or a token
    assert [e["id"] for e in listed["items"]] == [pk]
    outsider = _client(cast["outsider"])
    assert outsider.patch(f"/api/v1/competitions/editions/{pk}", {"name_zh": "改"},
                          content_type="application/json").status_code == 403
    assert outsider.delete(f"/api/v1/competitions/tracks/{track.json()['id']}").status_code == 403
    copied = op.post(f"/api/v1/competitions/editions/{pk}/copy", {"year": 2027}, content_type="application/json")
    assert copied.status_code == 201 and copied.json()["status"] == "draft" and len(copied.json()["tracks"]) == 1
    assert [e["year"] for e in op.get("/api/v1/competitions/editions?park=main").json()["items"]] == [2027, 2026]
    assert [e["year"] for e in member.get("/api/v1/competitions/editions").json()["items"]] == [2026]
    assert op.delete(f"/api/v1/competitions/tracks/{track.json()['id']}").status_code == 204
    assert Edition.objects.get(pk=pk).name_zh == "东升杯创业大赛 2026"


def test_lists_do_not_grow_queries_with_editions(cast: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    for year in range(2040, 2052):
        TrackFactory(edition=_open_edition(year=year))
    client = _client(cast["member"])
    client.get("/competitions/")  # warm the session and the parks' cache
    with django_assert_max_num_queries(12):
        page = client.get("/competitions/")
    assert page.status_code == 200 and page.content.decode().count('data-testid="status-') == 12
    with django_assert_max_num_queries(12):
        listed = client.get("/api/v1/competitions/editions").json()
    assert listed["count"] == 12
