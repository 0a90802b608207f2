"""The policy rule language: validation (refusals with clear errors) and evaluation (qualifies, nearly,
not eligible, what is missing in words)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from parkos.catalog.eligibility import EnterpriseProfile, Status, evaluate, rules_validate

TODAY = dt.date(2026, 11, 28)
INDUSTRIES = {"ai", "ai-vision", "robotics", "robotics-industrial", "other"}
BUILDINGS = {"A1", "B2"}


def profile(**overrides: Any) -> EnterpriseProfile:
    base: dict[str, Any] = {"industry": "robotics-industrial", "industry_top": "robotics", "stage": "series_a",
                            "headcount": "50-199", "founded_on": dt.date(2020, 5, 1), "building": "A1",
                            "revenue_band": "5m-20m", "patents": 1, "high_tech": False}
    base.update(overrides)
    return EnterpriseProfile(**base)


def policy(*rules: dict[str, Any]) -> SimpleNamespace:
    return SimpleNamespace(rules=rules_validate(list(rules), industries=INDUSTRIES, buildings=BUILDINGS))


def check(*rules: dict[str, Any], **facts: Any) -> Any:
    with translation.override("en"):
        return evaluate(policy(*rules), profile(**facts), today=TODAY)


@pytest.mark.parametrize(("rules", "fragment"), [
    ({"field": "turnover", "op": "gte", "value": 1}, "unknown field"),
    ({"field": "patents", "op": "in", "value": [1]}, "takes the operators"),
    ({"field": "patents", "op": "gte", "value": "three"}, "not a valid value"),
    ({"field": "patents", "op": "gte", "value": -1}, "not a valid value"),
    ({"field": "patents", "op": "gte", "value": True}, "not a valid value"),
    ({"field": "industry", "op": "in", "value": []}, "not a valid value"),
    ({"field": "industry", "op": "in", "value": ["spaceflight"]}, "unknown industries"),
    ({"field": "stage", "op": "in", "value": ["series_z"]}, "unknown stages"),
    ({"field": "building", "op": "in", "value": ["Z9"]}, "unknown buildings"),
    ({"field": "founded", "op": "before", "value": "2020-13-01"}, "not a valid value"),
    ({"field": "revenue", "op": "gte", "value": "huge"}, "not a valid value"),
    ({"field": "high_tech", "op": "is", "value": "yes"}, "not a valid value"),
    ({"field": "patents", "op": "gte", "value": 1, "weight": 2}, "unknown keys"),
    ({"field": "patents", "op": "gte", "value": 1, "label": "x" * 121}, "label"),
])
def test_invalid_conditions_are_refused_with_a_message_naming_them(rules: dict[str, Any], fragment: str) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        rules_validate([{"field": "stage", "op": "in", "value": ["seed"]}, rules], industries=INDUSTRIES,
                       buildings=BUILDINGS)
    message = caught.value.messages[0]
    assert fragment in message
    if "keys" not in fragment:
        assert message.startswith("Condition 2")


def test_rules_must_be_a_list_of_objects() -> None:
    for bad in ({"field": "stage"}, "stage in seed", [1], [None]):
        with pytest.raises(ValidationError):
            rules_validate(bad, industries=INDUSTRIES, buildings=BUILDINGS)
    assert rules_validate(None) == []


def test_valid_rules_are_normalised() -> None:
    clean = rules_validate([{"field": "founded", "op": "before", "value": "2024-01-01", "label": " 满两年 "},
                            {"field": "industry", "op": "in", "value": [" ai "]}], industries=INDUSTRIES,
                           buildings=BUILDINGS)
    assert clean == [{"field": "founded", "op": "before", "value": "2024-01-01", "label": "满两年"},
                     {"field": "industry", "op": "in", "value": ["ai"]}]


def test_all_met_qualifies() -> None:
    match = check({"field": "industry", "op": "in", "value": ["robotics"]},  # the top code covers its subs
                  {"field": "headcount", "op": "gte", "value": 50}, {"field": "patents", "op": "gte", "value": 1},
                  {"field": "founded", "op": "within_years", "value": 10}, {"field": "revenue", "op": "gte",
                                                                           "value": "1m-5m"},
                  {"field": "building", "op": "in", "value": ["A1"]}, {"field": "high_tech", "op": "is",
                                                                      "value": False})
    assert match.status == Status.QUALIFIES
    assert match.unmet == []


def test_one_unmet_condition_is_nearly_with_the_missing_part_in_words() -> None:
    match = check({"field": "patents", "op": "gte", "value": 3}, {"field": "stage", "op": "in", "value": ["series_a"]})
    assert match.status == Status.NEARLY
    assert [c.missing for c in match.unmet] == ["Needs at least 3 patents (has 1)"]


def test_two_unmet_is_still_nearly_three_is_not() -> None:
    two = check({"field": "patents", "op": "gte", "value": 3}, {"field": "revenue", "op": "gte", "value": "20m-100m"})
    assert two.status == Status.NEARLY
    assert two.unmet[1].missing == "Needs revenue of at least 20–100 million yuan (now 5–20 million yuan)"
    three = check({"field": "patents", "op": "gte", "value": 3}, {"field": "revenue", "op": "gte", "value": "20m-100m"},
                  {"field": "high_tech", "op": "is", "value": True})
    assert three.status == Status.NOT_ELIGIBLE


def test_an_unmet_industry_or_location_is_never_nearly() -> None:
    assert check({"field": "industry", "op": "in", "value": ["ai"]}).status == Status.NOT_ELIGIBLE
    assert check({"field": "building", "op": "in", "value": ["B2"]}).status == Status.NOT_ELIGIBLE
    assert check({"field": "industry", "op": "not_in", "value": ["other"]}).status == Status.QUALIFIES


def test_unknown_facts_count_as_unmet_and_say_so() -> None:
    match = check({"field": "revenue", "op": "gte", "value": "lt1m"}, {"field": "patents", "op": "gte", "value": 0},
                  revenue_band=None, patents=None)
    assert match.status == Status.NEARLY
    assert [c.missing for c in match.unmet] == ["Last year's revenue is not given", "The number of patents is not given"]


def test_founding_rules() -> None:
    # Founded 2020-05-01: more than five years before 2026-11-28, less than seven.
    assert check({"field": "founded", "op": "within_years", "value": 5}).status == Status.NEARLY
    young = check({"field": "founded", "op": "within_years", "value": 7})
    assert young.status == Status.QUALIFIES
    before = check({"field": "founded", "op": "before", "value": "2019-01-01"})
    assert before.unmet[0].missing == "Must have been founded before 2019-01-01 (founded 2020-05-01)"
    assert check({"field": "founded", "op": "after", "value": "2019-01-01"}).status == Status.QUALIFIES
    assert check({"field": "founded", "op": "before", "value": "2030-01-01"}, founded_on=None).status == Status.NEARLY


def test_headcount_bands_are_compared_conservatively() -> None:
    # 50–199 people: certainly ≥ 50 and ≤ 199, not certainly ≥ 100 nor ≤ 150.
    assert check({"field": "headcount", "op": "gte", "value": 50}).status == Status.QUALIFIES
    assert check({"field": "headcount", "op": "lte", "value": 199}).status == Status.QUALIFIES
    unmet = check({"field": "headcount", "op": "gte", "value": 100}).unmet[0]
    assert unmet.missing == "Needs at least 100 employees (now 50–199 people)"
    assert check({"field": "headcount", "op": "lte", "value": 150}).status == Status.NEARLY
    assert check({"field": "headcount", "op": "lte", "value": 5000}, headcount="1000+").status == Status.NEARLY


def test_operator_labels_are_shown_for_met_conditions() -> None:
    match = check({"field": "patents", "op": "gte", "value": 1, "label": "拥有核心自主知识产权"})
    assert match.conditions[0].label == "拥有核心自主知识产权"


@pytest.mark.django_db
def test_profile_is_built_from_the_enterprise_and_its_facts() -> None:
    from parkos.catalog.models import EnterpriseFacts
    from parkos.catalog.selectors.policies import enterprises_for_matching
    from parkos.enterprises.models import Industry
    from parkos.enterprises.tests.factories import BuildingFactory, EnterpriseFactory

    enterprise = EnterpriseFactory(industry=Industry.objects.get(code="ai-vision"), building=BuildingFactory(code="A1"),
                                   stage="angel", headcount="10-49", founded_on=dt.date(2023, 1, 2))
    bare = EnterpriseProfile.of(enterprises_for_matching().get(pk=enterprise.pk))
    assert (bare.industry, bare.industry_top, bare.building, bare.patents, bare.revenue_band) == (
        "ai-vision", "ai", "A1", None, None)
    EnterpriseFacts.objects.create(enterprise=enterprise, revenue_band="1m-5m", patents=4, high_tech=True)
    full = EnterpriseProfile.of(enterprises_for_matching().get(pk=enterprise.pk))
    assert (full.patents, full.revenue_band, full.high_tech) == (4, "1m-5m", True)


def test_an_operators_label_reads_in_the_readers_language() -> None:
    from parkos.catalog.eligibility import describe

    [rule] = rules_validate([{"field": "patents", "op": "gte", "value": 3, "label": "拥有发明专利的企业",
                              "label_en": " Enterprises holding invention patents "}])
    assert rule["label_en"] == "Enterprises holding invention patents"
    with translation.override("zh-hans"):
        assert describe(rule) == "拥有发明专利的企业"
    with translation.override("zh-hant"):
        assert describe(rule) == "擁有發明專利的企業"
    with translation.override("en"):
        assert describe(rule) == "Enterprises holding invention patents"
        assert describe({**rule, "label_en": ""}) == "拥有发明专利的企业"  # no English: the label whole
    with pytest.raises(ValidationError):
        rules_validate([{"field": "patents", "op": "gte", "value": 3, "label_en": "two\nlines"}])
