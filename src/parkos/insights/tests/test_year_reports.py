"""The year-report batch over a small park counted by hand (tests/conftest.py: ``small_park``): every
figure exactly, percentiles with ties, a member with no data, a member who withdrew consent to presence
analytics, the keyword and tags from behaviour and the vocabulary, the batch interrupted and resumed,
run twice (idempotent), and the enterprise's report."""

from __future__ import annotations

from typing import Any

import pytest

from parkos.core.errors import DomainError, ErrorCode
from parkos.insights.models import EnterpriseYearReport, KeywordWord, YearReport, YearReportRun
from parkos.insights.services import year_reports as services
from parkos.insights.services.year_reports import Distributions
from parkos.insights.tests.conftest import YEAR

pytestmark = pytest.mark.django_db


def _report(user: Any) -> YearReport:
    return YearReport.objects.get(user=user, year=YEAR)


def test_the_figures_are_what_a_person_counts(small_park: dict[str, Any]) -> None:
    run = services.year_report_run(park=small_park["park"], year=YEAR)
    assert run.status == YearReportRun.Status.DONE
    assert run.total == 4 and run.done == 4  # alice, bob, carol, dave: the staff with or without data
    d1, _d2, _d3, d4 = small_park["days"]
    alice = _report(small_park["alice"]).figures
    assert alice["presence"] == {
        "days": 3, "hours": 40.7, "late_days": 2, "early_days": 1, "rank_hours": 66,
        "earliest": {"date": d1.isoformat(), "time": "07:30"},
        "latest": {"date": d4.isoformat(), "time": "01:30"},
        "streak": 2, "busiest_month": 3, "busiest_month_days": 3,
    }
    assert alice["events"] == {"attended": 2, "biggest": {"title": "具身智能沙龙", "people": 2}}
    assert alice["community"] == {"posts": 2, "comments": 1, "likes": 5, "groups": []}
    assert alice["services"] == {"orders": 2, "kinds": 2}
    assert alice["scenes"] == {"published": 1, "deals": 1, "proposals": 0}
    assert alice["rewards"] == {"coupons": 1, "saved_fen": 2000}
    bob = _report(small_park["bob"]).figures
    assert bob["presence"]["hours"] == 21.0 and bob["presence"]["streak"] == 3
    assert bob["presence"]["rank_hours"] == 33  # ahead of dave only, of three
    assert bob["events"]["attended"] == 1
    assert bob["community"] == {"posts": 0, "comments": 2, "likes": 0, "groups": []}
    assert bob["scenes"] == {"published": 0, "deals": 1, "proposals": 1}
    scores = _report(small_park["bob"]).scores
    assert scores["helper"]["value"] == 3  # two answers to alice + one proposal
    assert scores["connector"]["value"] == 1  # one person answered


def test_withdrawn_consent_gives_no_time_in_the_park_and_no_presence_keyword(small_park: dict[str, Any]) -> None:
    services.year_report_run(park=small_park["park"], year=YEAR)
    carol = _report(small_park["carol"])
    assert "presence" not in carol.figures
    assert not {"night_owl", "early_bird", "steady"} & set(carol.scores)
    assert carol.keyword.get("dimension") not in ("night_owl", "early_bird", "steady")
    run = YearReportRun.objects.get(park=small_park["park"], year=YEAR)
    assert run.distributions["hours"]["n"] == 3  # carol is not in anybody's ranking either


def test_a_member_with_no_data_gets_the_short_version(small_park: dict[str, Any]) -> None:
    from parkos.insights import presenting

    services.year_report_run(park=small_park["park"], year=YEAR)
    dave = _report(small_park["dave"])
    assert dave.figures == {} and dave.keyword == {} and dave.tags == []
    assert presenting.is_short(dave) and presenting.figure_lines(dave) == []
    assert not presenting.is_short(_report(small_park["alice"]))


def test_percentiles_with_ties() -> None:
    ordered = sorted([0, 0, 2, 2, 2, 5])
    assert Distributions.pct(ordered, 0) == 0
    assert Distributions.pct(ordered, 2) == 33  # two of six strictly below; the three 2s share it
    assert Distributions.pct(ordered, 5) == 83
    assert Distributions.pct([], 3) == 0


def test_keyword_and_tags_come_from_behaviour_and_the_parks_own_words(small_park: dict[str, Any],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(services.MINIMUM, "event_regular", 1)
    monkeypatch.setitem(services.MINIMUM, "night_owl", 2)
    park = small_park["park"]
    KeywordWord.objects.create(park=park, dimension="event_regular", kind="keyword", word="活动之星",
                               word_en="Event star")
    services.year_report_run(park=park, year=YEAR)
    alice = _report(small_park["alice"])
    # alice: 2 late days (ahead of 2 of 3 consenting: 66 %), 2 events (ahead of 3 of 4: 75 %).
    assert alice.keyword == {"word": "活动之星", "word_en": "Event star", "dimension": "event_regular"}
    # Then, strongest first (ties broken by the dimensions' order): a scene and its deal (75 %), two kinds
    # of service (75 %), two late evenings (66 %); at most three tags.
    assert [t["dimension"] for t in alice.tags] == ["scene_builder", "explorer", "night_owl"]
    assert alice.tags[2]["word"] == "夜猫子"  # the portfolio's default tag: the park has none of its own
    from django.utils import translation

    from parkos.insights import presenting

    with translation.override("en"):
        view = presenting.keyword_view(alice)
    assert view is not None and view["word"] == "Event star"
    assert view["reason"].startswith("You came to 2 events")
    # Words that stood out in her posts: 机器人 three times over two posts.
    assert alice.words[:1] == ["机器人"]


def test_the_batch_resumes_after_an_interruption_and_is_idempotent(small_park: dict[str, Any],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    park = small_park["park"]
    monkeypatch.setattr(services, "CHUNK", 3)
    run = services.year_report_run(park=park, year=YEAR, max_chunks=1)  # stops as a crash would
    assert run.status == YearReportRun.Status.RUNNING and run.done == 3 and YearReport.objects.count() == 3
    run = services.year_report_run(park=park, year=YEAR)
    assert run.status == YearReportRun.Status.DONE and run.done == 4 and YearReport.objects.count() == 4
    resumed = {r.user_id: (r.figures, r.scores, r.keyword) for r in YearReport.objects.all()}
    again = services.year_report_run(park=park, year=YEAR)  # finished: left as it is
    assert again.finished_at == run.finished_at
    services.year_report_run(park=park, year=YEAR, force=True)
    assert YearReport.objects.count() == 4
    assert {r.user_id: (r.figures, r.scores, r.keyword) for r in YearReport.objects.all()} == resumed
    assert EnterpriseYearReport.objects.count() == 1


def test_the_enterprise_report_shows_staff_time_only_over_three_who_share(small_park: dict[str, Any]) -> None:
    from parkos.access.models import AccessPreference

    services.year_report_run(park=small_park["park"], year=YEAR)
    report = EnterpriseYearReport.objects.get(enterprise=small_park["enterprise"], year=YEAR)
    assert "presence" not in report.figures and report.figures["presence_hidden"] == 0
    assert report.figures["services"]["orders"] == 3 and report.figures["services"]["kinds"] == 2
    assert report.figures["deals"]["deals"] == 1
    assert report.figures["staff"] == 4
    for name in ("alice", "bob", "dave"):
        AccessPreference.objects.update_or_create(user=small_park[name], defaults={"share_with_enterprise": True})
    services.year_report_run(park=small_park["park"], year=YEAR, force=True)
    report.refresh_from_db()
    assert report.figures["presence"] == {"sharers": 3, "days": 6, "hours": 61.7, "hours_each": 20.6}


def test_bad_years_are_refused_with_a_clear_error(small_park: dict[str, Any]) -> None:
    for year in ("abc", 1999, YEAR + 2):
        with pytest.raises(DomainError) as caught:
            services.year_report_run(park=small_park["park"], year=year)
        assert caught.value.code == ErrorCode.OUT_OF_RANGE
    assert not YearReportRun.objects.exists()


def test_only_the_parks_operators_may_run_it(small_park: dict[str, Any]) -> None:
    from parkos.accounts.tests.factories import UserFactory, operator
    from parkos.core.models import Park

    other = Park.objects.create(code="other", name="别的园区")
    with pytest.raises(DomainError):
        services.year_report_run(park=small_park["park"], year=YEAR, actor=small_park["alice"])
    with pytest.raises(DomainError):
        services.year_report_run(park=small_park["park"], year=YEAR,
                                 actor=UserFactory(roles=[("operator", other)]))
    assert services.year_report_run(park=small_park["park"], year=YEAR, actor=operator()).done == 4
