"""Editions: the deadline at 23:59:59 Beijing time, who may configure an edition (its park's operator, not
another park's, not a member), bad input that changes nothing, the status steps, tracks, the form, rounds,
criteria and the yearly copy."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import make_user
from parkos.competitions.models import (
    Criterion,
    Edition,
    EditionStatus,
    FieldKind,
    FormField,
    Round,
    RoundKind,
    RoundStatus,
    TieRule,
    Track,
)
from parkos.competitions.selectors import editions as selectors
from parkos.competitions.services import editions as services
from parkos.competitions.tests.factories import (
    ApplicationFactory,
    CriterionFactory,
    EditionFactory,
    EntryFactory,
    FormFieldFactory,
    RoundFactory,
    TrackFactory,
    scored_round,
)
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid, NotAuthenticated, NotFound
from parkos.core.models import Park
from parkos.core.parks import park_default

pytestmark = pytest.mark.django_db
UTC = dt.UTC


@pytest.fixture
def cast() -> dict[str, Any]:
    main = park_default()
    other = Park.objects.create(code="cp2", name="乙园", name_en="Park B", position=9)
    return {
        "park": main,
        "other": other,
        "operator": make_user((Role.OPERATOR, main)),  # type: ignore[arg-type]
        "colleague": make_user((Role.OPERATOR, main)),  # type: ignore[arg-type]
        "outsider": make_user((Role.OPERATOR, other)),  # type: ignore[arg-type]  # another park's operator
        "member": make_user(),
    }


def _create(actor: Any, park: Any, **overrides: Any) -> Edition:
    data: dict[str, Any] = {"year": 2026, "name_zh": "东升杯创业大赛 2026", "call_opens_on": dt.date(2026, 6, 1),
                            "deadline_on": dt.date(2026, 9, 30)}
    data.update(overrides)
    return services.edition_create(actor=actor, park=park, **data)


# --- time ---------------------------------------------------------------------------------------------

def test_deadline_is_the_last_second_of_the_day_in_beijing() -> None:
    park = park_default()
    at = services.deadline_at_for(dt.date(2026, 9, 30), park)
    assert at.utcoffset() == dt.timedelta(hours=8)
    assert at.astimezone(UTC) == dt.datetime(2026, 9, 30, 15, 59, 59, tzinfo=UTC)
    assert at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S") == "2026-09-30 23:59:59"
    # Across the turn of the year too (UTC is still on the same day, Beijing's last second).
    assert services.deadline_at_for(dt.date(2026, 12, 31), park).astimezone(UTC) == \
        dt.datetime(2026, 12, 31, 15, 59, 59, tzinfo=UTC)


def test_create_sets_the_timeline_in_park_time(cast: dict[str, Any]) -> None:
    edition = _create(cast["operator"], cast["park"], final_on="2026-11-20", results_on=dt.date(2026, 11, 30))
    edition.refresh_from_db()
    assert edition.status == EditionStatus.DRAFT
    assert edition.call_opens_at == dt.datetime(2026, 5, 31, 16, 0, tzinfo=UTC)  # 00:00 Beijing
    assert edition.deadline_at == dt.datetime(2026, 9, 30, 15, 59, 59, tzinfo=UTC)
    assert edition.final_on == dt.date(2026, 11, 20)
    with translation.override("en"):
        labels = [str(item.label) for item in selectors.edition_timeline(edition, now=dt.datetime(2026, 7, 1,
                                                                                                   tzinfo=UTC))]
    assert labels == ["Call for applications opens", "Application deadline", "Final roadshow", "Results announced"]
    past = [item.is_past for item in selectors.edition_timeline(edition, now=dt.datetime(2026, 7, 1, tzinfo=UTC))]
    assert past == [True, False, False, False]


# --- permission ---------------------------------------------------------------------------------------

def test_only_the_parks_operators_configure_it(cast: dict[str, Any]) -> None:
    edition = _create(cast["operator"], cast["park"])
    # A colleague operating the same park may.
    services.edition_update(actor=cast["colleague"], edition=edition, name_en="Dongsheng Cup 2026")
    for actor, error in ((cast["outsider"], Forbidden), (cast["member"], Forbidden),
                         (AnonymousUser(), NotAuthenticated)):
        with pytest.raises(error):
            services.edition_update(actor=actor, edition=edition, name_zh="改名")
        with pytest.raises(error):
            services.track_create(actor=actor, edition=edition, code="ai", name_zh="人工智能")
        with pytest.raises(error):
            services.edition_status_set(actor=actor, edition=edition, status=EditionStatus.OPEN)
        with pytest.raises(error):
            services.edition_copy(actor=actor, edition=edition, year=2027)
        with pytest.raises(error):
            _create(actor, cast["park"], year=2030)
    edition.refresh_from_db()
    assert edition.name_zh == "东升杯创业大赛 2026" and not edition.tracks.exists()
    assert Edition.objects.filter(park=cast["park"]).count() == 1
    # The outsider runs their own park's competition.
    assert _create(cast["outsider"], cast["other"]).park_id == cast["other"].pk


def test_drafts_are_the_organisers_alone(cast: dict[str, Any]) -> None:
    draft = _create(cast["operator"], cast["park"])
    shown = EditionFactory(year=2025)
    assert list(selectors.edition_list(viewer=cast["operator"], park=cast["park"])) == [draft, shown]
    assert list(selectors.edition_list(viewer=cast["member"], park=cast["park"])) == [shown]
    assert list(selectors.edition_list(viewer=AnonymousUser(), park=cast["park"])) == [shown]
    assert list(selectors.edition_list(viewer=cast["outsider"], park=cast["park"])) == [shown]
    for viewer in (cast["member"], cast["outsider"], AnonymousUser()):
        with pytest.raises(NotFound):
            selectors.edition_get(viewer=viewer, edition_id=draft.pk)
    assert selectors.edition_get(viewer=cast["member"], edition_id=shown.pk) == shown


# --- bad input changes nothing -----------------------------------------------------------------------

@pytest.mark.parametrize(("overrides", "field", "code"), [
    ({"deadline_on": dt.date(2026, 5, 31)}, "deadline_on", ErrorCode.ENDS_BEFORE_START),
    ({"min_team_size": 5, "max_team_size": 3}, "max_team_size", ErrorCode.OUT_OF_RANGE),
    ({"min_team_size": 0}, "min_team_size", ErrorCode.OUT_OF_RANGE),
    ({"year": 1999}, "year", ErrorCode.OUT_OF_RANGE),
    ({"name_zh": "  "}, "name_zh", ErrorCode.REQUIRED),
    ({"name_zh": "<b>大赛</b>"}, "name_zh", ErrorCode.MARKUP),
    ({"deadline_on": "30/09/2026"}, "deadline_on", ErrorCode.INVALID),
    ({"final_on": dt.date(2026, 9, 1)}, "final_on", ErrorCode.ENDS_BEFORE_START),
    ({"require_park_enterprise": True}, "require_park_enterprise", ErrorCode.INVALID_CHOICE),
    ({"appeal_days": 99}, "appeal_days", ErrorCode.OUT_OF_RANGE),
])
def test_bad_edition_input_is_refused(cast: dict[str, Any], overrides: dict[str, Any], field: str, code: str) -> None:
    with pytest.raises(Invalid) as caught:
        _create(cast["operator"], cast["park"], **overrides)
    assert caught.value.code == code and field in caught.value.details
    assert not Edition.objects.exists()


def test_a_year_is_one_edition_per_park(cast: dict[str, Any]) -> None:
    first = _create(cast["operator"], cast["park"])
    with pytest.raises(Invalid) as caught:
        _create(cast["operator"], cast["park"], name_zh="另一届")
    assert caught.value.code == ErrorCode.TAKEN and "year" in caught.value.details
    with translation.override("en"):
        assert str(caught.value.message) == "This park already has an edition for this year."
    other = _create(cast["operator"], cast["park"], year=2027)
    with pytest.raises(Invalid):
        services.edition_update(actor=cast["operator"], edition=other, year=2026, name_zh="改名")
    other.refresh_from_db()
    assert other.year == 2027 and other.name_zh == "东升杯创业大赛 2026"
    # Another park may have its own 2026.
    assert _create(cast["outsider"], cast["other"]).year == first.year


def test_update_rejects_unknown_fields_and_freezes_the_call_once_judging(cast: dict[str, Any]) -> None:
    edition = EditionFactory(status=EditionStatus.JUDGING)
    op = cast["operator"]
    with pytest.raises(Invalid):
        services.edition_update(actor=op, edition=edition, status=EditionStatus.DRAFT)
    with pytest.raises(Conflict) as caught:
        services.edition_update(actor=op, edition=edition, deadline_on=dt.date(2099, 1, 1))
    assert caught.value.code == ErrorCode.CLOSED
    with pytest.raises(Conflict):
        services.edition_update(actor=op, edition=edition, max_team_size=3)
    before = Edition.objects.get(pk=edition.pk)
    assert before.deadline_at == edition.deadline_at and before.max_team_size == 15
    # Names and the results' dates still change.
    services.edition_update(actor=op, edition=edition, name_en="Cup", results_on=dt.date(2099, 12, 1))
    assert Edition.objects.get(pk=edition.pk).name_en == "Cup"


def test_status_moves_one_step_on(cast: dict[str, Any]) -> None:
    op = cast["operator"]
    edition = _create(op, cast["park"])
    with pytest.raises(Conflict) as caught:
        services.edition_status_set(actor=op, edition=edition, status=EditionStatus.OPEN)
    assert caught.value.code == ErrorCode.NOT_READY  # no track yet
    services.track_create(actor=op, edition=edition, code="ai", name_zh="人工智能")
    with pytest.raises(Conflict) as caught:
        services.edition_status_set(actor=op, edition=edition, status=EditionStatus.JUDGING)
    assert caught.value.code == ErrorCode.ILLEGAL_TRANSITION
    with pytest.raises(Invalid):
        services.edition_status_set(actor=op, edition=edition, status="cancelled")
    assert Edition.objects.get(pk=edition.pk).status == EditionStatus.DRAFT
    for status in (EditionStatus.OPEN, EditionStatus.OPEN, EditionStatus.JUDGING, EditionStatus.FINISHED):
        assert services.edition_status_set(actor=op, edition=edition, status=status).status == status
    with pytest.raises(Conflict):
        services.edition_status_set(actor=op, edition=edition, status=EditionStatus.OPEN)


# --- tracks -------------------------------------------------------------------------------------------

def test_tracks_codes_are_unique_and_used_tracks_stay(cast: dict[str, Any]) -> None:
    op = cast["operator"]
    edition = EditionFactory()
    ai = services.track_create(actor=op, edition=edition, code="AI", name_zh="人工智能", name_en="AI")
    robots = services.track_create(actor=op, edition=edition, code="robots", name_zh="机器人")
    assert (ai.code, ai.position, robots.position) == ("ai", 1, 2)
    with pytest.raises(Invalid) as caught:
        services.track_create(actor=op, edition=edition, code="ai", name_zh="又一个")
    assert caught.value.code == ErrorCode.TAKEN
    with pytest.raises(Invalid):
        services.track_create(actor=op, edition=edition, code="新能源", name_zh="新能源")
    with pytest.raises(Invalid):
        services.track_update(actor=op, track=robots, code="ai")
    assert Track.objects.get(pk=robots.pk).code == "robots"
    # The same code in another edition is fine.
    services.track_create(actor=op, edition=EditionFactory(), code="ai", name_zh="人工智能")
    ApplicationFactory(edition=edition, track=ai)
    with pytest.raises(Conflict):
        services.track_delete(actor=op, track=ai)
    with pytest.raises(Invalid):
        services.track_update(actor=op, track=ai, code="ai-2")
    services.track_update(actor=op, track=ai, name_zh="人工智能与大模型")
    services.track_delete(actor=op, track=robots)
    services.track_delete(actor=op, track=robots)  # idempotent
    assert list(edition.tracks.values_list("name_zh", flat=True)) == ["人工智能与大模型"]


# --- the form -----------------------------------------------------------------------------------------

def test_form_fields_by_kind(cast: dict[str, Any]) -> None:
    op = cast["operator"]
    edition = EditionFactory()
    plan = services.field_create(actor=op, edition=edition, key="business-plan", kind=FieldKind.FILE,
                                 label_zh="商业计划书", file_types=["PDF", ".pptx", "pdf"], required=True)
    assert (plan.file_types, plan.max_mb, plan.position) == (["pdf", "pptx"], services.DEFAULT_FILE_MB, 1)
    stage = services.field_create(actor=op, edition=edition, key="stage", kind=FieldKind.CHOICE, label_zh="融资阶段",
                                  choices="种子轮\n天使轮，A轮\n天使轮", max_chars=30)
    assert stage.choices == ["种子轮", "天使轮", "A轮"] and stage.max_chars is None
    bad: list[tuple[dict[str, Any], str]] = [
        ({"kind": FieldKind.CHOICE}, "choices"),
        ({"kind": FieldKind.FILE}, "file_types"),
        ({"kind": FieldKind.FILE, "file_types": ["exe"]}, "file_types"),
        ({"kind": FieldKind.FILE, "file_types": ["html"]}, "file_types"),
        ({"kind": FieldKind.FILE, "file_types": ["pdf"], "max_mb": 51}, "max_mb"),
        ({"kind": "video"}, "kind"),
        ({"key": "stage"}, "key"),
        ({"key": "Bad Key!"}, "key"),
        ({"max_chars": 0}, "max_chars"),
    ]
    for overrides, field in bad:
        data: dict[str, Any] = {"key": "question", "kind": FieldKind.TEXTAREA, "label_zh": "问题"}
        data.update(overrides)
        with pytest.raises(Invalid) as caught:
            services.field_create(actor=op, edition=edition, **data)
        assert field in caught.value.details, overrides
    assert FormField.objects.filter(edition=edition).count() == 2
    # A question's kind may change; what the old kind carried is dropped.
    changed = services.field_update(actor=op, field=stage, kind=FieldKind.TEXTAREA, max_chars=800)
    assert (changed.choices, changed.max_chars) == ([], 800)
    # Order: move the plan down.
    services.field_move(actor=op, field=plan, up=False)
    assert list(edition.fields.order_by("position").values_list("key", flat=True)) == ["stage", "business-plan"]


def test_a_question_keeps_its_key_once_teams_applied_and_deleting_keeps_answers(cast: dict[str, Any]) -> None:
    op = cast["operator"]
    edition = EditionFactory()
    question = FormFieldFactory(edition=edition, key="market")
    application = ApplicationFactory(edition=edition, answers={"market": "国内市场"})
    with pytest.raises(Invalid):
        services.field_update(actor=op, field=question, key="market-size")
    services.field_update(actor=op, field=question, label_zh="目标市场")
    services.field_delete(actor=op, field=question)
    application.refresh_from_db()
    assert application.answers == {"market": "国内市场"} and not edition.fields.exists()


# --- rounds and criteria ------------------------------------------------------------------------------

def test_rounds_default_by_kind_and_validate(cast: dict[str, Any]) -> None:
    op = cast["operator"]
    edition = EditionFactory()
    screening = services.round_create(actor=op, edition=edition, kind=RoundKind.SCREENING, name_zh="形式审查")
    online = services.round_create(actor=op, edition=edition, kind=RoundKind.ONLINE, name_zh="网络初评",
                                   divergence_threshold="15", promote_count=100, anonymous=True)
    final = services.round_create(actor=op, edition=edition, kind=RoundKind.ROADSHOW, name_zh="决赛路演",
                                  tie_rule=TieRule.RAW_MEAN, promote_threshold=80)
    assert [r.position for r in (screening, online, final)] == [1, 2, 3]
    assert (online.normalise, online.drop_extremes, online.judges_per_application) == (True, False, 3)
    assert (final.normalise, final.drop_extremes) == (False, True)
    assert str(online.divergence_threshold) == "15.00" and online.anonymous
    bad: list[tuple[dict[str, Any], str]] = [
        ({"judges_per_application": 0}, "judges_per_application"),
        ({"position": 2}, "position"),
        ({"kind": "jury"}, "kind"),
        ({"tie_rule": "coin"}, "tie_rule"),
        ({"promote_threshold": "101"}, "promote_threshold"),
        ({"promote_count": 0}, "promote_count"),
        ({"opens_at": dt.datetime(2026, 10, 2, tzinfo=UTC), "closes_at": dt.datetime(2026, 10, 1, tzinfo=UTC)},
         "closes_at"),
    ]
    for overrides, field in bad:
        data: dict[str, Any] = {"kind": RoundKind.ONLINE, "name_zh": "复评"}
        data.update(overrides)
        with pytest.raises(Invalid) as caught:
            services.round_create(actor=op, edition=edition, **data)
        assert field in caught.value.details, overrides
    assert edition.rounds.count() == 3
    with pytest.raises(Forbidden):
        services.round_create(actor=cast["outsider"], edition=edition, kind=RoundKind.ONLINE, name_zh="复评")


def test_criteria_weights_and_the_frozen_round(cast: dict[str, Any]) -> None:
    op = cast["operator"]
    rnd = RoundFactory()
    tech = services.criterion_create(actor=op, round=rnd, name_zh="技术创新", weight=30)
    services.criterion_create(actor=op, round=rnd, name_zh="市场前景", weight=25)
    assert not services.round_weights_ok(rnd)
    for weight in (0, 101, "三十"):
        with pytest.raises(Invalid):
            services.criterion_create(actor=op, round=rnd, name_zh="团队", weight=weight)
    services.criterion_create(actor=op, round=rnd, name_zh="团队", weight=45)
    assert services.round_weights_ok(rnd)
    screening = RoundFactory(edition=rnd.edition, kind=RoundKind.SCREENING)
    with pytest.raises(Invalid):
        services.criterion_create(actor=op, round=screening, name_zh="形式", weight=100)
    with pytest.raises(Invalid):  # criteria exist: it cannot become a screening
        services.round_update(actor=op, round=rnd, kind=RoundKind.SCREENING)
    # Once judges score, the rules and criteria are frozen.
    Round.objects.filter(pk=rnd.pk).update(status=RoundStatus.SCORING)
    rnd.refresh_from_db()
    with pytest.raises(Conflict):
        services.criterion_update(actor=op, criterion=tech, weight=40)
    with pytest.raises(Conflict):
        services.criterion_create(actor=op, round=rnd, name_zh="额外", weight=5)
    with pytest.raises(Conflict):
        services.criterion_delete(actor=op, criterion=tech)
    with pytest.raises(Conflict):
        services.round_update(actor=op, round=rnd, judges_per_application=5)
    with pytest.raises(Conflict):
        services.round_delete(actor=op, round=rnd)
    assert Criterion.objects.get(pk=tech.pk).weight == 30 and Round.objects.get(pk=rnd.pk).judges_per_application == 3


def test_a_round_with_entries_is_not_deleted(cast: dict[str, Any]) -> None:
    entry = EntryFactory()
    with pytest.raises(Conflict):
        services.round_delete(actor=cast["operator"], round=entry.round)
    assert Round.objects.filter(pk=entry.round_id).exists()


# --- the yearly copy ----------------------------------------------------------------------------------

def test_copy_brings_the_configuration_into_a_new_year(cast: dict[str, Any]) -> None:
    op = cast["operator"]
    source = _create(op, cast["park"], year=2024, name_zh="东升杯创业大赛 2024", name_en="Dongsheng Cup 2024",
                     call_opens_on=dt.date(2024, 2, 29), deadline_on=dt.date(2024, 9, 30), final_on="2024-11-20")
    ai = TrackFactory(edition=source, code="ai", name_zh="人工智能")
    TrackFactory(edition=source, code="robots", name_zh="机器人")
    FormFieldFactory(edition=source, key="plan", kind=FieldKind.FILE, file_types=["pdf"], max_mb=20, required=True)
    FormFieldFactory(edition=source, key="stage", kind=FieldKind.CHOICE, choices=["种子轮", "天使轮"])
    RoundFactory(edition=source, position=1, kind=RoundKind.SCREENING)
    online = scored_round(source, weights=(30, 25, 45), position=2, divergence_threshold=15)
    CriterionFactory(round=RoundFactory(edition=source, position=3, kind=RoundKind.ROADSHOW, drop_extremes=True,
                                        normalise=False), weight=100)
    ApplicationFactory(edition=source, track=ai)
    Round.objects.filter(pk=online.pk).update(status=RoundStatus.PUBLISHED)

    copy = services.edition_copy(actor=op, edition=source, year=2025)
    assert (copy.year, copy.name_zh, copy.name_en, copy.status) == (2025, "东升杯创业大赛 2025", "Dongsheng Cup 2025",
                                                                   EditionStatus.DRAFT)
    assert copy.call_opens_at == services.day_starts_at(dt.date(2025, 2, 28), cast["park"])  # 29 Feb → 28 Feb
    assert copy.deadline_at == services.deadline_at_for(dt.date(2025, 9, 30), cast["park"])
    assert copy.final_on == dt.date(2025, 11, 20)
    assert list(copy.tracks.values_list("code", flat=True)) == ["ai", "robots"]
    plan = copy.fields.get(key="plan")
    assert (plan.kind, plan.file_types, plan.max_mb, plan.required) == (FieldKind.FILE, ["pdf"], 20, True)
    rounds = list(copy.rounds.order_by("position"))
    assert [(r.position, r.kind, r.status) for r in rounds] == [
        (1, RoundKind.SCREENING, RoundStatus.DRAFT), (2, RoundKind.ONLINE, RoundStatus.DRAFT),
        (3, RoundKind.ROADSHOW, RoundStatus.DRAFT)]
    assert [c.weight for c in rounds[1].criteria.order_by("position")] == [30, 25, 45]
    assert rounds[1].divergence_threshold == 15 and rounds[2].drop_extremes and not rounds[2].normalise
    assert all(services.round_weights_ok(r) for r in rounds[1:])
    assert not copy.applications.exists() and source.applications.count() == 1
    # The source is untouched, and the year is taken now.
    assert source.tracks.count() == 2 and Criterion.objects.filter(round__edition=source).count() == 4
    with pytest.raises(Invalid) as caught:
        services.edition_copy(actor=op, edition=source, year=2025)
    assert caught.value.code == ErrorCode.TAKEN
    assert Edition.objects.filter(park=cast["park"]).count() == 2


def test_dashboard_counts(cast: dict[str, Any]) -> None:
    edition = EditionFactory()
    ai, robots = TrackFactory(edition=edition), TrackFactory(edition=edition)
    ApplicationFactory.create_batch(3, edition=edition, track=ai)
    ApplicationFactory(edition=edition, track=robots, status="draft", submitted_at=None)
    rnd = scored_round(edition, weights=(60, 30))
    EntryFactory(round=rnd, application=edition.applications.first())
    board = selectors.edition_dashboard(viewer=cast["operator"], edition=edition)
    assert board.total == 4
    assert {value: n for value, _label, n in board.by_status} == {"draft": 1, "submitted": 3, "withdrawn": 0}
    assert [(t.pk, submitted, n) for t, submitted, n in board.by_track] == [(ai.pk, 3, 3), (robots.pk, 0, 1)]
    assert [(r.criteria_count, r.weight_sum, r.weights_ok, r.entries) for r in board.rounds] == [(2, 90, False, 1)]
    for viewer in (cast["member"], cast["outsider"]):
        with pytest.raises(Forbidden):
            selectors.edition_dashboard(viewer=viewer, edition=edition)
