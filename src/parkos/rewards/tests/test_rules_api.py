"""The issuing rules' API and pages: an operator creates, previews and runs a rule; another park's
operator finds nothing, a member is refused; bad input answers a field error; lists cost the same queries
whatever their length; the pages render, save and run."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from parkos.access.models import DailyPresence
from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.rewards.models import Coupon, IssuingRule, RuleKind, RuleRun
from parkos.rewards.services.issuing_rules import rule_create
from parkos.rewards.tests.factories import TemplateFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/rewards/rules"
W39 = "2025-W39"


@pytest.fixture(name="cast")
def cast_fixture(db: None) -> dict[str, Any]:
    a = park_default()
    b = Park.objects.create(code="b", name="乙园", name_en="Park B", position=5)
    cache.clear()
    return {"a": a, "b": b, "op": UserFactory(roles=[(Role.OPERATOR, a)]),
            "colleague": UserFactory(roles=[(Role.OPERATOR, a)]), "op_b": UserFactory(roles=[(Role.OPERATOR, b)]),
            "member": UserFactory(), "template": TemplateFactory(name="加班券")}


def _client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _late_week(*users: Any) -> None:
    for user in users:
        for day in (dt.date(2025, 9, 22), dt.date(2025, 9, 23), dt.date(2025, 9, 24)):
            DailyPresence.objects.create(park=park_default(), user=user, day=day, late=True)


def test_an_operator_creates_previews_and_runs_a_rule(cast: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    op = _client(cast["op"])
    made = _post(op, API, {"name": "加班券（每周）", "kind": "overtime", "template": cast["template"].pk,
                           "params": {"min_days": 3}, "active": True, "run_weekday": 0, "run_hour": 9})
    assert made.status_code == 201, made.content
    rule = made.json()
    assert rule["params"] == {"min_days": 3} and rule["next_run_at"] and rule["template_name"] == "加班券"
    _late_week(*UserFactory.create_batch(2))
    preview = op.get(f"{API}/{rule['id']}/preview", {"period": W39}).json()
    assert preview["would_issue"] == 2 and preview["cost_fen"] == 4000 and preview["within_budget"]
    with django_capture_on_commit_callbacks(execute=True):
        queued = _post(op, f"{API}/{rule['id']}/runs", {"period_key": W39})
    assert queued.status_code == 202 and queued.json() == {"rule_id": rule["id"], "period_key": W39, "queued": True}
    runs = op.get(f"{API}/{rule['id']}/runs").json()
    assert runs["count"] == 1 and runs["items"][0]["issued"] == 2 and runs["items"][0]["status"] == "done"
    changed = op.patch(f"{API}/{rule['id']}", json.dumps({"active": False, "params": {"min_days": 2}}),
                       content_type="application/json")
    assert changed.status_code == 200 and changed.json()["next_run_at"] is None
    assert changed.json()["params"] == {"min_days": 2}


def test_who_may_use_the_api(cast: dict[str, Any]) -> None:
    rule = rule_create(actor=cast["op"], park=cast["a"], name="加班券", kind=RuleKind.OVERTIME,
                       template=cast["template"], params={"min_days": 3})
    urls = [f"{API}/{rule.pk}", f"{API}/{rule.pk}/preview?period={W39}", f"{API}/{rule.pk}/runs"]
    for url in urls:
        assert _client(cast["colleague"]).get(url).status_code == 200, url
        assert _client(cast["op_b"]).get(url).status_code == 404, url
        assert _client(cast["member"]).get(url).status_code == 403, url
        assert _client().get(url).status_code == 401, url
    assert _post(_client(cast["op_b"]), f"{API}/{rule.pk}/runs", {"period_key": W39}).status_code == 404
    assert _post(_client(cast["member"]), f"{API}/{rule.pk}/runs", {"period_key": W39}).status_code == 403
    assert _post(_client(cast["member"]), API, {"name": "x", "kind": "overtime",
                                                "template": cast["template"].pk}).status_code == 403
    assert _client(cast["member"]).get(API).status_code == 403
    assert _client(cast["op_b"]).get(API).json()["count"] == 0
    assert not RuleRun.objects.exists()


def test_bad_input_answers_the_field(cast: dict[str, Any]) -> None:
    op = _client(cast["op"])
    other = TemplateFactory(park=cast["b"])
    bad = _post(op, API, {"name": "加班券", "kind": "overtime", "template": other.pk})
    assert bad.status_code == 400 and "template" in bad.json()["details"]
    bad = _post(op, API, {"name": "加班券", "kind": "overtime", "template": cast["template"].pk,
                          "params": {"min_days": 12}})
    assert bad.status_code == 400 and "min_days" in bad.json()["details"]
    assert _post(op, API, {"name": "加班券", "kind": "overtime", "template": 2**70}).status_code == 422
    assert not IssuingRule.objects.exists()
    rule = rule_create(actor=cast["op"], park=cast["a"], name="加班券", kind=RuleKind.OVERTIME,
                       template=cast["template"])
    wrong = op.get(f"{API}/{rule.pk}/preview", {"period": "2025-13"})
    assert wrong.status_code == 400 and wrong.json()["details"]["period_key"]
    future = _post(op, f"{API}/{rule.pk}/runs", {"period_key": "2099-W01"})
    assert future.status_code == 400 and future.json()["code"] == "future"
    assert not RuleRun.objects.exists() and not Coupon.objects.exists()


def test_lists_cost_the_same_queries_whatever_their_length(cast: dict[str, Any]) -> None:
    op = _client(cast["op"])

    def make(n: int) -> IssuingRule:
        rule = None
        for i in range(n):
            rule = rule_create(actor=cast["op"], park=cast["a"], name=f"规则{IssuingRule.objects.count()}-{i}",
                               kind=RuleKind.OVERTIME, template=TemplateFactory())
            RuleRun.objects.create(rule=rule, period_key=W39, period_start=dt.date(2025, 9, 22),
                                   period_end=dt.date(2025, 9, 28), started_by=cast["op"])
        assert rule is not None
        return rule

    first = make(1)
    op.get(API)
    with CaptureQueriesContext(connection) as few:
        assert op.get(API).json()["count"] == 1
    with CaptureQueriesContext(connection) as few_runs:
        op.get(f"{API}/{first.pk}/runs")
    make(5)
    for _ in range(4):
        RuleRun.objects.create(rule=first, period_key=W39, period_start=dt.date(2025, 9, 22),
                               period_end=dt.date(2025, 9, 28), started_by=UserFactory())
    with CaptureQueriesContext(connection) as many:
        assert op.get(API).json()["count"] == 6
    with CaptureQueriesContext(connection) as many_runs:
        assert op.get(f"{API}/{first.pk}/runs").json()["count"] == 5
    assert len(many) == len(few)
    assert len(many_runs) == len(few_runs)


def test_openapi_lists_the_rules_endpoints(cast: dict[str, Any]) -> None:
    schema = _client().get("/api/openapi.json").json()
    paths = schema["paths"]
    assert "/api/v1/rewards/rules" in paths and "/api/v1/rewards/rules/{rule_id}/preview" in paths
    assert "post" in paths["/api/v1/rewards/rules/{rule_id}/runs"]


# --- pages ----------------------------------------------------------------------------------------------

def test_pages_for_operators(cast: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    from django.conf import settings

    op = _client(cast["op"])
    op.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the wording is checked in English (new msgids)
    listing = op.get("/rewards/rules/")
    assert listing.status_code == 200 and "Issuing rules" in listing.content.decode()
    form = op.get("/rewards/rules/new/")
    assert form.status_code == 200
    saved = op.post("/rewards/rules/new/", {"name": "加班券（每周）", "kind": "overtime", "template": cast["template"].pk,
                                            "min_days": 3, "period": "weekly", "run_weekday": 0, "run_hour": 9,
                                            "active": "on"})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    rule = IssuingRule.objects.get()
    assert rule.params == {"min_days": 3} and rule.active and rule.next_run_at
    assert rule.name == "加班券（每周）"  # kept as typed (issue 15): full-width brackets are not folded
    _late_week(UserFactory())
    detail = op.get(f"/rewards/rules/{rule.pk}/", {"period": W39})
    text = detail.content.decode()
    assert detail.status_code == 200 and "would issue 1 coupon" in text and "within budget" in text and "¥20" in text
    with django_capture_on_commit_callbacks(execute=True):
        ran = op.post(f"/rewards/rules/{rule.pk}/", {"period_key": W39})
    assert ran.status_code == 302
    assert RuleRun.objects.get(rule=rule).issued == 1
    again = op.get(ran["Location"]).content.decode()
    assert 'data-testid="runs"' in again
    bad = op.post("/rewards/rules/new/", {"name": "", "kind": "overtime", "template": cast["template"].pk,
                                          "period": "weekly", "run_weekday": 0, "run_hour": 9})
    assert bad.status_code == 400
    edit = op.post(f"/rewards/rules/{rule.pk}/edit/", {"name": "加班券", "kind": "overtime",
                                                        "template": cast["template"].pk, "min_days": 9,
                                                        "period": "weekly", "run_weekday": 0, "run_hour": 9})
    assert edit.status_code == 400
    rule.refresh_from_db()
    assert rule.name == "加班券（每周）" and rule.params == {"min_days": 3}  # the refused edit changed nothing


def test_pages_refuse_others(cast: dict[str, Any]) -> None:
    rule = rule_create(actor=cast["op"], park=cast["a"], name="加班券", kind=RuleKind.OVERTIME,
                       template=cast["template"])
    for url in (f"/rewards/rules/{rule.pk}/", f"/rewards/rules/{rule.pk}/edit/"):
        assert _client(cast["colleague"]).get(url).status_code == 200
        assert _client(cast["op_b"]).get(url).status_code == 404
        assert _client(cast["member"]).get(url).status_code == 403
    assert _client(cast["member"]).get("/rewards/rules/").status_code == 403
    assert _client(cast["member"]).post(f"/rewards/rules/{rule.pk}/", {"period_key": W39}).status_code == 403
    assert _client().get("/rewards/rules/").status_code == 302  # to the log-in page
    assert not RuleRun.objects.exists()
