"""Temperature screening: the member's separate consent, readings attached by the app (consent checked at
the time, range, idempotency, the 37.3 °C threshold), withdrawal deleting and stopping readings (also
while readings arrive), the 14-day retention, every read of an alert audited, another park's operator
finding nothing, and aggregates that never carry a temperature."""

from __future__ import annotations

import datetime as dt
import io
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone

from parkos.access.models import AccessPreference, AccessSettings, AppScope, Passage, Reading, SensitiveRead
from parkos.access.selectors import readings as selectors
from parkos.access.services import readings as services
from parkos.access.tests import screening_fixtures
from parkos.access.tests.screening_fixtures import passage, temperature_app
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid, NotAuthenticated, NotFound
from parkos.notifications.models import Notification

pytestmark = pytest.mark.django_db
# The fixture of screening_fixtures, used by name.
scene = screening_fixtures.scene
S = Decimal


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _attach(app: Any, p: Passage, value: str, when: dt.datetime | None = None) -> Reading:
    return services.reading_attach(app=app, passage_id=p.pk, value=S(value), measured_at=when or p.occurred_at)


@pytest.fixture
def app(scene: dict[str, Any]) -> Any:
    return temperature_app(scene["op_a"], scene["a"], [scene["gate"], scene["plain"]], owner=scene["vendor"])


# --- consent --------------------------------------------------------------------------------------------

def test_a_reading_needs_the_members_consent_now(scene: dict[str, Any], app: Any) -> None:
    p = passage(scene["member"], scene["gate"])
    with pytest.raises(Forbidden) as error:
        _attach(app, p, "36.5")
    assert error.value.code == ErrorCode.CONSENT
    services.temperature_consent_set(actor=scene["member"], given=True)
    later = passage(scene["member"], scene["gate"])
    reading = _attach(app, later, "36.5")
    assert reading.user == scene["member"] and reading.value == S("36.5") and not reading.is_alert
    # the other member of the same enterprise did not consent: still refused
    with pytest.raises(Forbidden):
        _attach(app, passage(scene["other"], scene["gate"]), "36.6")
    assert Reading.objects.count() == 1


def test_a_measurement_taken_before_the_consent_is_refused(scene: dict[str, Any], app: Any) -> None:
    p = passage(scene["member"], scene["gate"], when=timezone.now() - dt.timedelta(hours=2))
    services.temperature_consent_set(actor=scene["member"], given=True)
    with pytest.raises(Forbidden) as error:
        _attach(app, p, "36.5")
    assert error.value.code == ErrorCode.CONSENT and not Reading.objects.exists()


def test_withdrawing_deletes_every_reading_at_once_and_stops_new_ones(scene: dict[str, Any], app: Any) -> None:
    member = scene["member"]
    services.temperature_consent_set(actor=member, given=True)
    services.temperature_consent_set(actor=scene["other"], given=True)
    for value in ("36.4", "36.8", "37.9"):
        _attach(app, passage(member, scene["gate"]), value)
    _attach(app, passage(scene["other"], scene["gate"]), "36.6")
    assert Reading.objects.filter(user=member).count() == 3
    pref = services.temperature_consent_set(actor=member, given=False)
    assert not pref.temperature_screening and pref.temperature_consented_at is None
    assert not Reading.objects.filter(user=member).exists()
    assert Reading.objects.filter(user=scene["other"]).count() == 1  # nobody else's
    with pytest.raises(Forbidden):
        _attach(app, passage(member, scene["gate"]), "36.5")
    assert not Reading.objects.filter(user=member).exists()


def test_consent_is_a_members_own_and_idempotent(scene: dict[str, Any]) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        services.temperature_consent_set(actor=AnonymousUser(), given=True)
    first = services.temperature_consent_set(actor=scene["member"], given=True).temperature_consented_at
    again = services.temperature_consent_set(actor=scene["member"], given=True).temperature_consented_at
    assert first == again and AccessPreference.objects.count() == 1
    client = _client(scene["other"])
    response = client.put("/api/v1/access/me/screening-consent", {"given": True}, content_type="application/json")
    assert response.status_code == 200 and response.json()["given"] is True
    assert AccessPreference.objects.get(user=scene["other"]).temperature_screening
    assert Client().put("/api/v1/access/me/screening-consent", {"given": True},
                        content_type="application/json").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_racing_with_readings_leaves_no_reading_behind(scene: dict[str, Any], app: Any) -> None:
    member = scene["member"]
    services.temperature_consent_set(actor=member, given=True)
    passages = [passage(member, scene["gate"]) for _ in range(12)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def readings() -> None:
        barrier.wait()
        try:
            for p in passages:
                try:
                    _attach(app, p, "36.7")
                    outcomes.append("stored")
                except Forbidden:
                    outcomes.append("refused")
        finally:
            close_old_connections()

    def withdraw() -> None:
        barrier.wait()
        try:
            services.temperature_consent_set(actor=member, given=False)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=readings), threading.Thread(target=withdraw)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(outcomes) == len(passages)
    assert not AccessPreference.objects.get(user=member).temperature_screening
    assert not Reading.objects.filter(user=member).exists()  # stored before the withdrawal: deleted with it


# --- the reading itself ---------------------------------------------------------------------------------

def test_the_same_reading_again_is_the_same_and_another_value_is_a_conflict(scene: dict[str, Any], app: Any) -> None:
    services.temperature_consent_set(actor=scene["member"], given=True)
    p = passage(scene["member"], scene["gate"])
    first = _attach(app, p, "36.5")
    assert _attach(app, p, "36.50").pk == first.pk
    with pytest.raises(Conflict) as error:
        _attach(app, p, "36.6")
    assert error.value.code == ErrorCode.IDEMPOTENCY_CONFLICT
    assert Reading.objects.get().value == S("36.5")


def test_the_alert_threshold_is_above_37_3(scene: dict[str, Any], app: Any,
                                           django_capture_on_commit_callbacks: Any) -> None:
    services.temperature_consent_set(actor=scene["member"], given=True)
    with django_capture_on_commit_callbacks(execute=True):
        at = _attach(app, passage(scene["member"], scene["gate"]), "37.3")
    assert not at.is_alert and not Notification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        above = _attach(app, passage(scene["member"], scene["gate"]), "37.4")
    assert above.is_alert
    told = set(Notification.objects.values_list("recipient_id", flat=True))
    assert told == {scene["op_a"].pk, scene["op_a2"].pk, scene["portfolio"].pk}  # never park B's operator
    for note in Notification.objects.all():
        assert "37.4" not in note.title + note.body and scene["member"].display_name not in note.title + note.body


@pytest.mark.parametrize(("value", "ok"), [("29.9", False), ("30.0", True), ("45.0", True), ("45.1", False),
                                           ("NaN", False), ("36.55", True)])
def test_a_temperature_is_between_30_and_45(scene: dict[str, Any], app: Any, value: str, ok: bool) -> None:
    services.temperature_consent_set(actor=scene["member"], given=True)
    p = passage(scene["member"], scene["gate"])
    if ok:
        assert _attach(app, p, value).value == S(value).quantize(S("0.1"), rounding="ROUND_HALF_UP")
    else:
        with pytest.raises(Invalid) as error:
            _attach(app, p, value)
        assert "value" in error.value.details
        assert not Reading.objects.exists()


def test_only_accepted_passages_at_the_apps_gates_with_the_scope(scene: dict[str, Any], app: Any) -> None:
    member = scene["member"]
    services.temperature_consent_set(actor=member, given=True)
    elsewhere = temperature_app(scene["op_a"], scene["a"], [scene["plain"]], name="另一个应用")
    with pytest.raises(NotFound):  # the face gate is not this app's
        _attach(elsewhere, passage(member, scene["gate"]), "36.5")
    with pytest.raises(NotFound):  # a refused passage is no passage to screen
        _attach(app, passage(member, scene["gate"], result=Passage.Result.REFUSED), "36.5")
    with pytest.raises(NotFound):  # park B's gate
        _attach(app, passage(member, scene["gate_b"]), "36.5")
    reader = temperature_app(scene["op_a"], scene["a"], [scene["gate"]], name="只读",
                             scopes=[AppScope.PASSAGES_READ.value])
    with pytest.raises(Forbidden):
        _attach(reader, passage(member, scene["gate"]), "36.5")
    anonymous = passage(None, scene["gate"])
    with pytest.raises(Forbidden) as error:  # a visitor or an unknown card has no consent to give
        _attach(app, anonymous, "36.5")
    assert error.value.code == ErrorCode.CONSENT
    with pytest.raises(Invalid) as future:
        _attach(app, passage(member, scene["gate"]), "36.5", when=timezone.now() + dt.timedelta(hours=1))
    assert future.value.code == ErrorCode.IN_THE_FUTURE
    assert not Reading.objects.exists()


# --- retention ------------------------------------------------------------------------------------------

def test_readings_are_kept_14_days_at_most_or_the_parks_shorter_retention(scene: dict[str, Any], app: Any) -> None:
    services.temperature_consent_set(actor=scene["member"], given=True)
    AccessPreference.objects.filter(user=scene["member"]).update(
        temperature_consented_at=timezone.now() - dt.timedelta(days=30))
    now = timezone.now()
    ages: dict[int, int] = {}
    for days in (13, 15):
        ages[days] = _attach(app, passage(scene["member"], scene["gate"]), "36.5").pk
        Reading.objects.filter(pk=ages[days]).update(measured_at=now - dt.timedelta(days=days),
                                                     created_at=now - dt.timedelta(days=days))
    assert services.readings_purge(now=now) == 1
    assert set(Reading.objects.values_list("pk", flat=True)) == {ages[13]}
    AccessSettings.objects.create(park=scene["a"], reading_retention_days=3)
    assert services.readings_purge(now=now) == 1 and not Reading.objects.exists()
    # older than retention is refused at the door, not stored and purged later
    with pytest.raises(Invalid) as error:
        _attach(app, passage(scene["member"], scene["gate"]), "36.5", when=now - dt.timedelta(days=4))
    assert error.value.code == ErrorCode.IN_THE_PAST


# --- alerts: audited reads, the park's operators only -------------------------------------------------------

@pytest.fixture
def alert(scene: dict[str, Any], app: Any) -> Reading:
    services.temperature_consent_set(actor=scene["member"], given=True)
    services.temperature_consent_set(actor=scene["other"], given=True)
    _attach(app, passage(scene["other"], scene["gate"]), "36.6")
    return _attach(app, passage(scene["member"], scene["gate"]), "38.2")


def test_each_alert_opened_or_listed_is_audited(scene: dict[str, Any], alert: Reading) -> None:
    op = scene["op_a"]
    assert selectors.alert_get(viewer=op, reading_id=alert.pk).value == S("38.2")
    row = SensitiveRead.objects.get()
    assert (row.actor, row.subject, row.what, row.object_id, row.park) == (op, scene["member"], "alert.view",
                                                                           alert.pk, scene["a"])
    page = selectors.alert_page(viewer=scene["op_a2"], park=scene["a"])
    assert [r.pk for r in page] == [alert.pk]  # the 36.6 reading is no alert
    assert SensitiveRead.objects.filter(actor=scene["op_a2"], what="alert.list", object_id=alert.pk).count() == 1
    response = _client(op).get(f"/api/v1/access/screening/alerts/{alert.pk}")
    assert response.status_code == 200 and response.json()["value"] in ("38.2", 38.2)
    assert SensitiveRead.objects.filter(actor=op, what="alert.view").count() == 2
    page_html = _client(op).get(f"/access/screening/alerts/{alert.pk}/")
    assert page_html.status_code == 200 and "38.2" in page_html.content.decode()
    assert SensitiveRead.objects.filter(actor=op, what="alert.view").count() == 3


def test_another_parks_operator_and_members_find_no_alert(scene: dict[str, Any], alert: Reading) -> None:
    for who in ("op_b", "member", "vendor_admin", "outsider"):
        with pytest.raises(NotFound):
            selectors.alert_get(viewer=scene[who], reading_id=alert.pk)
        assert _client(scene[who]).get(f"/api/v1/access/screening/alerts/{alert.pk}").status_code == 404
        assert _client(scene[who]).get(f"/access/screening/alerts/{alert.pk}/").status_code == 404
        assert _client(scene[who]).post(f"/api/v1/access/screening/alerts/{alert.pk}/resolve").status_code == 404
    assert not SensitiveRead.objects.exists()
    with pytest.raises(Forbidden):
        selectors.screening_figures(viewer=scene["op_b"], park=scene["a"])
    with pytest.raises(Forbidden):
        selectors.alert_page(viewer=scene["op_b"], park=scene["a"])
    # the colleague and the portfolio operator may
    assert selectors.alert_get(viewer=scene["portfolio"], reading_id=alert.pk).pk == alert.pk
    assert Reading.objects.get(pk=alert.pk).resolved_at is None


def test_an_operator_marks_an_alert_handled_once(scene: dict[str, Any], alert: Reading) -> None:
    response = _client(scene["op_a"]).post(f"/api/v1/access/screening/alerts/{alert.pk}/resolve")
    assert response.status_code == 200 and response.json()["resolved_at"]
    first = Reading.objects.get(pk=alert.pk).resolved_at
    services.alert_resolve(actor=scene["op_a2"], reading=Reading.objects.get(pk=alert.pk))
    assert Reading.objects.get(pk=alert.pk).resolved_at == first
    with pytest.raises(Forbidden):
        services.alert_resolve(actor=scene["op_b"], reading=alert)
    normal = Reading.objects.get(is_alert=False)
    with pytest.raises(Invalid):
        services.alert_resolve(actor=scene["op_a"], reading=normal)
    assert [r.pk for r in selectors.alert_page(viewer=scene["op_a"], park=scene["a"], status="open")] == []
    assert [r.pk for r in selectors.alert_page(viewer=scene["op_a"], park=scene["a"], status="resolved")] == [alert.pk]


# --- aggregates -----------------------------------------------------------------------------------------------

def test_aggregates_count_and_never_carry_a_temperature(scene: dict[str, Any], alert: Reading) -> None:
    figures = selectors.screening_figures(viewer=scene["op_a"], park=scene["a"], days=7)
    today = figures["days"][0]
    assert today.day == timezone.localdate()
    assert (today.screened, today.readings, today.alerts) == (2, 2, 1)
    # members of the park: the two admins, the vendor's colleague, member and other; two consent
    assert (figures["members"], figures["consenting"], figures["open_alerts"]) == (5, 2, 1)
    assert figures["consent_share"] == 0.4
    response = _client(scene["op_a"]).get("/api/v1/access/screening/figures?days=7")
    assert response.status_code == 200
    body = response.content.decode()
    assert "38.2" not in body and "36.6" not in body and scene["member"].display_name not in body
    assert response.json()["days"][0]["alerts"] == 1
    assert _client(scene["op_b"]).get("/api/v1/access/screening/figures?park=main").status_code == 403
    assert not SensitiveRead.objects.exists()  # counting reads nobody's data


def test_the_operators_page_lists_alerts_without_values(scene: dict[str, Any], alert: Reading) -> None:
    response = _client(scene["op_a"]).get("/access/screening/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "38.2" not in html and "36.6" not in html and scene["member"].display_name in html
    assert SensitiveRead.objects.filter(what="alert.list").count() == 1
    assert _client(scene["member"]).get("/access/screening/").status_code == 403


# --- the audit log --------------------------------------------------------------------------------------------

def test_the_audit_log_filters_pages_and_exports(scene: dict[str, Any], alert: Reading) -> None:
    selectors.alert_get(viewer=scene["op_a"], reading_id=alert.pk)
    selectors.alert_get(viewer=scene["op_a2"], reading_id=alert.pk)
    SensitiveRead.objects.filter(actor=scene["op_a2"]).update(at=timezone.now() - dt.timedelta(days=3))
    rows = selectors.audit_list(viewer=scene["op_a"], park=scene["a"])
    assert rows.count() == 2
    assert list(selectors.audit_list(viewer=scene["op_a"], park=scene["a"], actor_id=scene["op_a2"].pk)
                .values_list("actor_id", flat=True)) == [scene["op_a2"].pk]
    assert selectors.audit_list(viewer=scene["op_a"], park=scene["a"], date_from=timezone.localdate()).count() == 1
    with pytest.raises(Invalid):
        selectors.audit_list(viewer=scene["op_a"], park=scene["a"], date_from=timezone.localdate(),
                             date_to=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(Forbidden):
        selectors.audit_list(viewer=scene["op_b"], park=scene["a"])
    client = _client(scene["op_a"])
    api = client.get(f"/api/v1/access/screening/audit?actor_id={scene['op_a'].pk}")
    assert api.status_code == 200 and api.json()["count"] == 1
    assert api.json()["items"][0]["subject_name"] == scene["member"].display_name
    csv_body = client.get("/access/screening/audit.csv").content.decode("utf-8-sig")
    assert csv_body.count("alert.view") == 2 and scene["member"].display_name in csv_body
    from openpyxl import load_workbook

    xlsx = client.get(f"/access/screening/audit.xlsx?actor={scene['op_a2'].pk}")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == 2 and sheet.cell(2, 2).value == scene["op_a2"].display_name
    other = _client(scene["op_b"])  # their current park is B: B's log, which holds nothing of A
    own = other.get("/access/screening/audit.csv")
    assert own.status_code == 200 and scene["member"].display_name not in own.content.decode("utf-8-sig")
    other.cookies["parkos_park"] = "main"
    assert other.get("/access/screening/audit.csv").status_code == 403


def test_the_member_sees_their_own_readings_and_that_read_is_logged(scene: dict[str, Any], alert: Reading) -> None:
    response = _client(scene["member"]).get("/access/screening/consent/")
    html = response.content.decode()
    assert response.status_code == 200 and "38.2" in html and "36.6" not in html  # only their own
    assert SensitiveRead.objects.filter(actor=scene["member"], subject=scene["member"], what="reading.own").count() == 1
    _client(scene["member"]).post("/access/screening/consent/", {"given": "0"})
    assert not Reading.objects.filter(user=scene["member"]).exists()
    assert Reading.objects.filter(user=scene["other"]).count() == 1
