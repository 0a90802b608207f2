"""Publishing year reports: nothing is readable before the operator's date; on the date each member is
offered the pack that fits, granted it in rewards and told once (however often the job runs); the
pack is claimed once through rewards. Reports are readable only by their member (pages and API), an
enterprise's only by its admins and the park's operators."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from parkos.accounts.tests.factories import UserFactory, operator
from parkos.core.errors import Conflict, DomainError, ErrorCode
from parkos.insights.models import GiftOffer, YearReport, YearReportRun
from parkos.insights.services import publication
from parkos.insights.services import year_reports as services
from parkos.insights.tests.conftest import YEAR
from parkos.notifications.models import Notification
from parkos.rewards.models import GiftPack, PackClaim, PackGrant

pytestmark = pytest.mark.django_db


def _pack(park: Any, name: str) -> GiftPack:
    now = timezone.now()
    return GiftPack.objects.create(park=park, name=name, audience=GiftPack.Audience.GRANTED, stock=100,
                                   claim_from=now - dt.timedelta(days=1), claim_until=now + dt.timedelta(days=30),
                                   status=GiftPack.Status.OPEN)


def _login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def generated(small_park: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setitem(services.MINIMUM, "event_regular", 1)
    services.year_report_run(park=small_park["park"], year=YEAR)
    small_park["run"] = YearReportRun.objects.get(park=small_park["park"], year=YEAR)
    small_park["report"] = YearReport.objects.get(user=small_park["alice"], year=YEAR)
    return small_park


def test_nothing_is_readable_before_the_publication_date(generated: dict[str, Any]) -> None:
    alice, report, run = generated["alice"], generated["report"], generated["run"]
    page = _login(alice)
    assert page.get(f"/insights/reports/{report.pk}/").status_code == 404
    assert page.get(f"/api/v1/insights/reports/{report.pk}").status_code == 404
    assert b"no-year-report" in page.get("/insights/").content
    services.run_publish_at_set(actor=operator(), run=run, publish_at=timezone.now() + dt.timedelta(hours=1))
    assert page.get(f"/insights/reports/{report.pk}/").status_code == 404
    services.run_publish_at_set(actor=operator(), run=run, publish_at=timezone.now() - dt.timedelta(minutes=1))
    story = page.get(f"/insights/reports/{report.pk}/")
    assert story.status_code == 200
    body = story.content.decode()
    assert "活动达人" in body and 'data-testid="card-time"' in body and "40.7" in body
    report.refresh_from_db()
    assert report.seen_at is not None
    detail = page.get(f"/api/v1/insights/reports/{report.pk}").json()
    assert detail["keyword"]["word"] == "活动达人" and detail["short"] is False
    assert [line["key"] for line in detail["lines"]][:3] == ["days", "hours", "earliest"]


def test_a_report_is_readable_only_by_its_member(generated: dict[str, Any]) -> None:
    report, run = generated["report"], generated["run"]
    services.run_publish_at_set(actor=operator(), run=run, publish_at=timezone.now())
    for outsider in (generated["bob"], operator(), UserFactory()):
        client = _login(outsider)
        assert client.get(f"/insights/reports/{report.pk}/").status_code == 404
        assert client.get(f"/api/v1/insights/reports/{report.pk}").status_code == 404
        assert client.post(f"/api/v1/insights/reports/{report.pk}/claim").status_code == 404
    anonymous = Client()
    assert anonymous.get(f"/insights/reports/{report.pk}/").status_code == 302
    assert anonymous.get(f"/api/v1/insights/reports/{report.pk}").status_code == 401
    listed = _login(generated["bob"]).get("/api/v1/insights/reports").json()
    assert [r["id"] for r in listed] == [YearReport.objects.get(user=generated["bob"]).pk]


def test_only_a_finished_run_is_published_and_an_announced_one_stays_so(generated: dict[str, Any]) -> None:
    run = generated["run"]
    YearReportRun.objects.filter(pk=run.pk).update(status=YearReportRun.Status.RUNNING)
    run.refresh_from_db()
    with pytest.raises(Conflict) as caught:
        services.run_publish_at_set(actor=operator(), run=run, publish_at=timezone.now())
    assert caught.value.code == ErrorCode.NOT_READY
    with pytest.raises(DomainError):
        services.run_publish_at_set(actor=generated["alice"], run=run, publish_at=None)


def test_announcing_offers_grants_and_tells_each_member_once(generated: dict[str, Any],
                                                             django_capture_on_commit_callbacks: Any) -> None:
    park, run = generated["park"], generated["run"]
    everyone = _pack(park, "新年礼包")
    regulars = _pack(park, "活动达人礼包")
    GiftOffer.objects.create(park=park, year=YEAR, dimension="", pack=everyone)
    GiftOffer.objects.create(park=park, year=YEAR, dimension="event_regular", pack=regulars, note="给活动达人的咖啡券")
    services.run_publish_at_set(actor=operator(), run=run, publish_at=timezone.now() - dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert publication.reports_announce_due() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert publication.reports_announce_due() == 0  # the job ran again: nothing new
    alice, bob, dave = generated["alice"], generated["bob"], generated["dave"]
    assert YearReport.objects.get(user=alice).offer.pack == regulars
    assert YearReport.objects.get(user=dave).offer.pack == everyone
    assert set(PackGrant.objects.filter(pack=regulars).values_list("user_id", flat=True)) == {alice.pk, bob.pk}
    assert PackGrant.objects.filter(pack=everyone).count() == 2  # carol and dave
    assert Notification.objects.filter(kind="year_report").count() == 4
    assert not Notification.objects.filter(kind="reward").exists()  # the grants did not notify twice
    report = YearReport.objects.get(user=alice)
    page = _login(alice)
    assert "活动达人礼包" in page.get(f"/insights/reports/{report.pk}/").content.decode()
    claimed = page.post(f"/api/v1/insights/reports/{report.pk}/claim")
    assert claimed.status_code == 201
    assert PackClaim.objects.filter(pack=regulars, user=alice).count() == 1
    again = page.post(f"/api/v1/insights/reports/{report.pk}/claim")
    assert again.status_code == 409 and again.json()["code"] == ErrorCode.ALREADY_CLAIMED
    home = page.get("/").content.decode()
    assert 'data-testid="home-year-report"' not in home  # read already


def test_the_home_page_shows_an_unread_published_report(generated: dict[str, Any]) -> None:
    services.run_publish_at_set(actor=operator(), run=generated["run"], publish_at=timezone.now())
    home = _login(generated["bob"]).get("/").content.decode()
    assert 'data-testid="home-year-report"' in home


def test_the_enterprise_report_is_its_admins_and_the_operators(generated: dict[str, Any]) -> None:
    services.run_publish_at_set(actor=operator(), run=generated["run"], publish_at=timezone.now())
    ent = generated["enterprise"]
    url = f"/insights/enterprises/{ent.pk}/"
    assert _login(generated["alice"]).get(url).status_code == 200  # the admin
    assert _login(operator()).get(url).status_code == 200
    for outsider in (generated["bob"], UserFactory()):  # staff who are not admins, anybody else
        assert _login(outsider).get(url).status_code == 404
        assert _login(outsider).get(f"/api/v1/insights/enterprises/{ent.pk}/reports").status_code == 404
    api = _login(generated["alice"]).get(f"/api/v1/insights/enterprises/{ent.pk}/reports").json()
    assert api[0]["year"] == YEAR and api[0]["figures"]["services"]["orders"] == 3


def test_the_runs_page_is_the_operators(generated: dict[str, Any]) -> None:
    assert _login(generated["alice"]).get("/insights/runs/").status_code == 404
    page = _login(operator()).get("/insights/runs/")
    assert page.status_code == 200 and b'data-testid="run"' in page.content
    bad = _login(operator()).post("/insights/runs/", {"action": "start", "year": "19"}, follow=True)
    assert bad.status_code == 200 and YearReportRun.objects.count() == 1
    assert _login(operator()).get("/api/v1/insights/runs").json()[0]["done"] == 4


def test_withdrawing_presence_consent_from_the_gates_page(small_park: dict[str, Any]) -> None:
    from parkos.access.models import AccessPreference

    bob = small_park["bob"]
    AccessPreference.objects.create(user=bob, share_with_enterprise=True)
    page = _login(bob)
    assert page.post("/access/me/presence/analytics/", {"allow": "0"}).status_code == 302
    pref = AccessPreference.objects.get(user=bob)
    assert pref.presence_analytics is False and pref.share_with_enterprise is False  # sharing rests on it
    assert b'data-testid="analytics-start"' in page.get("/access/me/presence/").content
