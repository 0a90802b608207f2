"""The policy rule language and its evaluator.

A policy's ``rules`` are a JSON list of conditions, all of which must hold::

    [{"field": "industry", "op": "in", "value": ["ai", "robotics"], "label": "人工智能或机器人企业"},
     {"field": "patents", "op": "gte", "value": 3},
     {"field": "founded", "op": "within_years", "value": 5}]

A condition's optional ``label`` is the operator's words for it (``label_en`` their English); without one the
condition is described from its field and value.

| field       | ops                          | value                                       | from                      |
| ----------- | ---------------------------- | ------------------------------------------- | ------------------------- |
| industry    | in, not_in                   | industry codes (a top code covers its subs) | the enterprise profile    |
| stage       | in, not_in                   | stage codes (seed, angel, series_a …)       | the enterprise profile    |
| headcount   | gte, lte                     | whole number of people                      | the profile's band        |
| founded     | within_years / before, after | whole years / "YYYY-MM-DD"                  | the profile's founding day|
| revenue     | gte                          | revenue band code (lt1m, 1m-5m …)           | EnterpriseFacts           |
| patents     | gte, lte                     | whole number                                | EnterpriseFacts           |
| building    | in                           | building codes                              | the enterprise profile    |
| high_tech   | is                           | true / false                                | EnterpriseFacts           |

``label`` is optional: the operator's own words for the condition; without it ParkOS describes it.
``rules_validate`` refuses unknown fields, operators and value types with a message naming the
condition; the admin, ``policy_save`` and the policy import all go through it.

Evaluation is pure Python over an ``EnterpriseProfile`` (built from rows already loaded), so a
portfolio of any size is matched against every policy without a query per enterprise. A condition
that cannot be checked because a fact is unknown counts as unmet, with "not given" as the reason.
An enterprise *nearly* qualifies when one or two conditions are unmet and none of them is one it
cannot change by itself (industry, location)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils.translation import gettext as _

from parkos.catalog.models.policies import RevenueBand
from parkos.core.content import localized_key
from parkos.core.errors import ErrorCode
from parkos.enterprises.models import Headcount, Stage

OPS: dict[str, tuple[str, ...]] = {
    "industry": ("in", "not_in"),
    "stage": ("in", "not_in"),
    "headcount": ("gte", "lte"),
    "founded": ("within_years", "before", "after"),
    "revenue": ("gte",),
    "patents": ("gte", "lte"),
    "building": ("in",),
    "high_tech": ("is",),
}
# Conditions an enterprise cannot meet by its own effort: failing one is "not eligible", never "nearly".
FIXED_FIELDS = frozenset({"industry", "building"})
MAX_RULES = 20
MAX_LABEL = 120
REVENUE_ORDER = [band.value for band in RevenueBand]
HEADCOUNT_RANGE: dict[str, tuple[int, int | None]] = {
    Headcount.TINY: (1, 9), Headcount.SMALL: (10, 49), Headcount.MEDIUM: (50, 199), Headcount.LARGE: (200, 999),
    Headcount.HUGE: (1000, None),
}


class Status:
    QUALIFIES = "qualifies"
    NEARLY = "nearly"
    NOT_ELIGIBLE = "not_eligible"


@dataclass(frozen=True)
class EnterpriseProfile:
    """The facts rules are checked against; ``None`` means unknown."""

    industry: str
    industry_top: str
    stage: str
    headcount: str
    founded_on: dt.date | None
    building: str | None
    revenue_band: str | None
    patents: int | None
    high_tech: bool | None

    @classmethod
    def of(cls, enterprise: Any) -> EnterpriseProfile:
        """From an enterprise loaded with ``industry__parent``, ``building`` and ``policy_facts``."""
        industry = enterprise.industry
        top = industry.parent.code if industry.parent_id else industry.code
        try:
            facts = enterprise.policy_facts
        except ObjectDoesNotExist:  # nothing entered yet
            facts = None
        return cls(
            industry=industry.code, industry_top=top, stage=enterprise.stage, headcount=enterprise.headcount,
            founded_on=enterprise.founded_on, building=enterprise.building.code if enterprise.building_id else None,
            revenue_band=(facts.revenue_band or None) if facts else None,
            patents=facts.patents if facts else None, high_tech=facts.high_tech if facts else None,
        )


@dataclass(frozen=True)
class ConditionResult:
    field: str
    label: str
    met: bool
    missing: str = ""  # what is missing, in words, when not met
    fixed: bool = False


@dataclass
class PolicyMatch:
    policy: Any
    status: str
    conditions: list[ConditionResult] = field(default_factory=list)

    @property
    def unmet(self) -> list[ConditionResult]:
        return [c for c in self.conditions if not c.met]

    @property
    def met(self) -> list[ConditionResult]:
        return [c for c in self.conditions if c.met]


# --- validation ------------------------------------------------------------------------------------

def _ints(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError
    return value


def _codes(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError
    return [v.strip() for v in value]


def rules_validate(value: Any, *, industries: Iterable[str] | None = None,
                   buildings: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Check and normalise a rule list; raises ``ValidationError`` naming the first bad condition.

    ``industries``/``buildings`` are the known codes (looked up when not given)."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError(_("The rules must be a list of conditions."), code=ErrorCode.INVALID)
    if len(value) > MAX_RULES:
        raise ValidationError(_("At most %(n)d conditions.") % {"n": MAX_RULES}, code=ErrorCode.INVALID)
    known_industries = set(industries) if industries is not None else None
    known_buildings = set(buildings) if buildings is not None else None
    clean: list[dict[str, Any]] = []
    for i, rule in enumerate(value, start=1):
        if not isinstance(rule, dict):
            raise ValidationError(_("Condition %(i)d is not an object.") % {"i": i}, code=ErrorCode.INVALID)
        unknown_keys = set(rule) - {"field", "op", "value", "label", "label_en"}
        if unknown_keys:
            raise ValidationError(_("Condition %(i)d has unknown keys: %(keys)s")
                                  % {"i": i, "keys": ", ".join(sorted(map(str, unknown_keys)))}, code=ErrorCode.INVALID)
        name = rule.get("field")
        if name not in OPS:
            raise ValidationError(_("Condition %(i)d: unknown field “%(field)s” (known: %(known)s).")
                                  % {"i": i, "field": name, "known": ", ".join(OPS)}, code=ErrorCode.INVALID)
        op = rule.get("op")
        if op not in OPS[name]:
            raise ValidationError(_("Condition %(i)d: the field “%(field)s” takes the operators %(ops)s, not “%(op)s”.")
                                  % {"i": i, "field": name, "ops": ", ".join(OPS[name]), "op": op}, code=ErrorCode.INVALID)
        raw = rule.get("value")
        try:
            norm: Any
            if name in ("industry", "building", "stage"):
                norm = _codes(raw)
            elif name in ("headcount", "patents") or (name == "founded" and op == "within_years"):
                norm = _ints(raw)
            elif name == "founded":
                if not isinstance(raw, str):
                    raise ValueError
                norm = dt.date.fromisoformat(raw).isoformat()
            elif name == "revenue":
                if raw not in REVENUE_ORDER:
                    raise ValueError
                norm = raw
            else:  # high_tech
                if not isinstance(raw, bool):
                    raise ValueError
                norm = raw
        except ValueError:
            raise ValidationError(_("Condition %(i)d: “%(value)s” is not a valid value for “%(field)s”.")
                                  % {"i": i, "value": raw, "field": name}, code=ErrorCode.INVALID) from None
        if name == "stage":
            bad = [s for s in norm if s not in Stage.values]
            if bad:
                raise ValidationError(_("Condition %(i)d: unknown stages: %(codes)s")
                                      % {"i": i, "codes": ", ".join(bad)}, code=ErrorCode.INVALID)
        if name == "industry":
            if known_industries is None:
                from parkos.enterprises.models import Industry

                known_industries = set(Industry.objects.values_list("code", flat=True))
            bad = [c for c in norm if c not in known_industries]
            if bad:
                raise ValidationError(_("Condition %(i)d: unknown industries: %(codes)s")
                                      % {"i": i, "codes": ", ".join(bad)}, code=ErrorCode.INVALID)
        if name == "building":
            if known_buildings is None:
                from parkos.enterprises.models import Building

                known_buildings = set(Building.objects.values_list("code", flat=True))
            bad = [c for c in norm if c not in known_buildings]
            if bad:
                raise ValidationError(_("Condition %(i)d: unknown buildings: %(codes)s")
                                      % {"i": i, "codes": ", ".join(bad)}, code=ErrorCode.INVALID)
        item: dict[str, Any] = {"field": name, "op": op, "value": norm}
        for key in ("label", "label_en"):  # the operator's words, and their English (shown in English)
            label = rule.get(key) or ""
            if not isinstance(label, str) or len(label) > MAX_LABEL or any(ord(ch) < 32 for ch in label):
                raise ValidationError(_("Condition %(i)d: the label must be a single line of at most %(n)d "
                                        "characters.") % {"i": i, "n": MAX_LABEL}, code=ErrorCode.INVALID)
            if label.strip():
                item[key] = label.strip()
        clean.append(item)
    return clean


# --- evaluation ------------------------------------------------------------------------------------

def _years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _join(codes: list[str], names: Mapping[str, str]) -> str:
    return "、".join(names.get(c, c) for c in codes)


def _band_label(value: str | None) -> str:
    if not value:
        return _("not given")
    return str(dict(RevenueBand.choices).get(value, value))


def _headcount_label(value: str) -> str:
    return str(dict(Headcount.choices).get(value, value))


def describe(rule: Mapping[str, Any], names: Mapping[str, str] | None = None) -> str:
    """The condition in words (the operator's label when it has one)."""
    if rule.get("label"):
        return localized_key(rule, "label")  # Traditional in zh-Hant, its English in English
    names = names or {}
    name, op, value = rule["field"], rule["op"], rule["value"]
    stages = dict(Stage.choices)
    if name == "industry":
        text = _join(value, names)
        return _("Industry: %(names)s") % {"names": text} if op == "in" else _("Not in: %(names)s") % {"names": text}
    if name == "stage":
        text = "、".join(str(stages.get(s, s)) for s in value)
        return _("Stage: %(names)s") % {"names": text} if op == "in" else _("Not at stage: %(names)s") % {"names": text}
    if name == "headcount":
        return (_("At least %(n)d employees") if op == "gte" else _("At most %(n)d employees")) % {"n": value}
    if name == "founded":
        if op == "within_years":
            return _("Founded within the last %(n)d years") % {"n": value}
        return (_("Founded before %(date)s") if op == "before" else _("Founded after %(date)s")) % {"date": value}
    if name == "revenue":
        return _("Revenue of at least %(band)s") % {"band": _band_label(value)}
    if name == "patents":
        return (_("At least %(n)d patents") if op == "gte" else _("At most %(n)d patents")) % {"n": value}
    if name == "building":
        return _("Located in %(names)s") % {"names": _join(value, names)}
    return _("Certified high-tech enterprise") if value else _("Not yet a certified high-tech enterprise")


def holds(rule: Mapping[str, Any], p: EnterpriseProfile, today: dt.date) -> bool:
    """Whether one (validated) condition holds; unknown facts never hold."""
    name, op, value = rule["field"], rule["op"], rule["value"]
    if name == "industry":
        return (p.industry in value or p.industry_top in value) == (op == "in")
    if name == "stage":
        return (p.stage in value) == (op == "in")
    if name == "headcount":
        low, high = HEADCOUNT_RANGE.get(p.headcount, (0, None))
        return low >= value if op == "gte" else high is not None and high <= value
    if name == "founded":
        if p.founded_on is None:
            return False
        if op == "within_years":
            return p.founded_on >= _years_ago(today, value)
        limit = dt.date.fromisoformat(value)
        return p.founded_on < limit if op == "before" else p.founded_on > limit
    if name == "revenue":
        return p.revenue_band is not None and REVENUE_ORDER.index(p.revenue_band) >= REVENUE_ORDER.index(value)
    if name == "patents":
        return p.patents is not None and (p.patents >= value if op == "gte" else p.patents <= value)
    if name == "building":
        return p.building in value
    return bool(p.high_tech) == value


def missing_text(rule: Mapping[str, Any], p: EnterpriseProfile, names: Mapping[str, str]) -> str:
    """What is missing for an unmet condition, in words, with the enterprise's current value."""
    name, op, value = rule["field"], rule["op"], rule["value"]
    if name == "industry":
        return _("Industry %(has)s is not covered (%(rule)s)") % {
            "has": names.get(p.industry, p.industry), "rule": describe({**rule, "label": ""}, names)}
    if name == "stage":
        return _("Stage “%(has)s” is not covered (%(rule)s)") % {
            "has": dict(Stage.choices).get(p.stage, p.stage), "rule": describe({**rule, "label": ""}, names)}
    if name == "headcount":
        text = _("Needs at least %(n)d employees (now %(has)s)") if op == "gte" \
            else _("Needs at most %(n)d employees (now %(has)s)")
        return text % {"n": value, "has": _headcount_label(p.headcount)}
    if name == "founded":
        if p.founded_on is None:
            return _("The founding date is not given")
        if op == "within_years":
            return _("Must have been founded within the last %(n)d years (founded %(date)s)") % {
                "n": value, "date": p.founded_on.isoformat()}
        text = _("Must have been founded before %(limit)s (founded %(date)s)") if op == "before" \
            else _("Must have been founded after %(limit)s (founded %(date)s)")
        return text % {"limit": value, "date": p.founded_on.isoformat()}
    if name == "revenue":
        if p.revenue_band is None:
            return _("Last year's revenue is not given")
        return _("Needs revenue of at least %(band)s (now %(has)s)") % {
            "band": _band_label(value), "has": _band_label(p.revenue_band)}
    if name == "patents":
        if p.patents is None:
            return _("The number of patents is not given")
        text = _("Needs at least %(n)d patents (has %(has)d)") if op == "gte" \
            else _("Needs at most %(n)d patents (has %(has)d)")
        return text % {"n": value, "has": p.patents}
    if name == "building":
        return _("Must be located in %(names)s (now %(has)s)") % {
            "names": _join(value, names), "has": names.get(p.building or "", p.building or _("not given"))}
    return _("Needs the high-tech enterprise certification") if value \
        else _("Only for enterprises not yet certified as high-tech")


def evaluate(policy: Any, profile: EnterpriseProfile, *, today: dt.date,
             names: Mapping[str, str] | None = None, explain: bool = True) -> PolicyMatch:
    """Match one policy's (already validated) rules against one enterprise. ``explain=False`` skips the
    texts (labels, what is missing): the portfolio matrix needs only the statuses."""
    names = names or {}
    results: list[ConditionResult] = []
    for rule in policy.rules or []:
        met = holds(rule, profile, today)
        results.append(ConditionResult(
            field=rule["field"], label=describe(rule, names) if explain else "", met=met,
            missing="" if met or not explain else missing_text(rule, profile, names),
            fixed=rule["field"] in FIXED_FIELDS))
    unmet = [c for c in results if not c.met]
    if not unmet:
        status = Status.QUALIFIES
    elif len(unmet) <= 2 and not any(c.fixed for c in unmet):
        status = Status.NEARLY
    else:
        status = Status.NOT_ELIGIBLE
    return PolicyMatch(policy=policy, status=status, conditions=results)
