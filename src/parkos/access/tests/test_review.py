"""What a demanding user tripped over on the gates pages (the review pass): each test fails without its fix."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from parkos.access.services.passages import passages_ingest
from parkos.access.tests.gates_fixtures import ago, card, cast_fixture, event  # noqa: F401

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_passage_log_takes_an_impossible_day_as_no_filter(cast: dict[str, Any]) -> None:
    _c, number = card(cast["staff"], cast["op_a"], cast["a"])
    passages_ingest(gate=cast["gate"], events=[event(number, "in", ago(hours=1))])
    for day in ("2026-13-45", "2026-02-30", "abc"):
        response = _client(cast["op_a"]).get(f"/access/log/?day={day}")
        assert response.status_code == 200, day
        assert cast["staff"].display_name in response.content.decode()


def test_the_passage_log_names_the_area_of_each_gate_and_links_it(cast: dict[str, Any]) -> None:
    """Every lobby has its '1号闸机': the gate's name alone does not say which door."""
    _c, number = card(cast["staff"], cast["op_a"], cast["a"])
    passages_ingest(gate=cast["gate"], events=[event(number, "in", ago(hours=1))])
    html = _client(cast["op_a"]).get("/access/log/").content.decode()
    gate = cast["gate"]
    assert f'href="{reverse("access:gate_detail", args=[gate.pk])}">{gate.area.name} · {gate.name}</a>' in html
    assert 'class="log-table"' in html  # cells keep their line at 375 px, the table scrolls


@pytest.mark.parametrize("url", ["/access/pass/", "/access/me/presence/", "/access/visitors/"])
def test_the_members_pages_link_each_other(cast: dict[str, Any], url: str) -> None:
    html = _client(cast["staff"]).get(url).content.decode()
    assert 'data-testid="member-nav"' in html
    others = {reverse("access:my_pass"), reverse("access:presence_mine"), reverse("access:visitors")} - {url}
    for other in others:
        assert f'href="{other}"' in html, other


def test_the_pass_says_connected_not_the_events_online(cast: dict[str, Any]) -> None:
    """'Online' is translated 线上 for online events; the pass's network status is 已联网."""
    html = _client(cast["staff"]).get("/access/pass/").content.decode()
    labels = json.loads(html.split('id="pass-labels" type="application/json">', 1)[1].split("</script>", 1)[0])
    assert labels["online"] == "已联网"  # zh-Hans, the default (not the events' 线上)


def test_reception_and_app_registration_buttons_are_not_the_events_sign_up(cast: dict[str, Any]) -> None:
    """'Register' is 报名 (signing up for an event); the reception desk registers a visitor, an operator an app."""
    op = _client(cast["op_a"])
    reception = op.get("/access/reception/").content.decode()
    assert 'data-testid="walk-in-submit">登记访客<' in reception and "报名" not in reception
    assert 'data-testid="app-save">注册应用<' in op.get("/access/apps/new/").content.decode()


def test_the_screening_audit_says_what_was_read_in_words(cast: dict[str, Any]) -> None:
    from parkos.access.services.audit import sensitive_read_record

    sensitive_read_record(actor=cast["op_a"], park_id=cast["a"].pk, subject_id=cast["staff"].pk, what="alert.view",
                          object_id=1)
    html = _client(cast["op_a"]).get("/access/screening/").content.decode()
    assert "查看了一条告警" in html and "alert.view" not in html  # "Opened an alert", in zh-Hans
    csv = _client(cast["op_a"]).get("/access/screening/audit.csv").content.decode()
    assert "alert.view" in csv  # the export keeps the code a script filters on


def test_the_density_table_and_credentials_keep_their_cells_on_a_line(cast: dict[str, Any]) -> None:
    card(cast["staff"], cast["op_a"], cast["a"])
    op = _client(cast["op_a"])
    assert 'class="density-table"' in op.get("/access/presence/").content.decode()
    assert 'class="log-table"' in op.get(f"/access/credentials/?user={cast['staff'].pk}").content.decode()


def test_operators_find_the_member_by_mobile_email_or_id_and_hear_when_nobody_matches(db: None) -> None:
    from django.test import Client

    from parkos.accounts.models import Role
    from parkos.accounts.tests.factories import UserFactory
    from parkos.core.parks import park_default

    member = UserFactory(mobile="13912345678", email="card.holder@example.cn", display_name="持卡人")
    operator = UserFactory(roles=[(Role.OPERATOR, park_default())])
    client = Client()
    client.force_login(operator)
    for value in ("139 1234 5678", "+8613912345678", "Card.Holder@example.cn", str(member.pk)):
        page = client.get("/access/credentials/", {"user": value}).content.decode()
        assert "持卡人" in page and 'data-testid="member-not-found"' not in page, value
    missing = client.get("/access/credentials/", {"user": "13900000000"}).content.decode()
    assert 'data-testid="member-not-found"' in missing and "持卡人" not in missing
