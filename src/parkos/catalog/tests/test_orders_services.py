"""Order services: creation (validation, files, idempotency under a real race), the SLA clock with
holidays and pauses, the overdue sweep, comments and internal notes, reply templates."""

from __future__ import annotations

import threading
from datetime import date, datetime
from io import StringIO
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from parkos.catalog.models import OrderAttachment, OrderEvent, OrderStatus, ServiceOrder
from parkos.catalog.selectors.orders import order_comments, order_tracker
from parkos.catalog.services import orders as services
from parkos.catalog.services import overdue, sla, templates
from parkos.catalog.tests.factories import (
    SAMPLE_FIELDS,
    ReplyTemplateFactory,
    ServiceFactory,
    order_in,
    order_parties,
)
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid
from parkos.core.workdays import add_workdays
from parkos.notifications.models import Notification

pytestmark = pytest.mark.django_db
S = OrderStatus
TZ = ZoneInfo("Asia/Shanghai")

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
GOOD_ANSWERS = {"contact": "王芳", "kind": "新办", "headcount": "12", "start": "2026-12-01"}


def pdf(name: str = "营业执照.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def parties(db: None) -> dict[str, Any]:
    return order_parties(fields=SAMPLE_FIELDS)


def _create(parties: dict[str, Any], **kwargs: Any) -> tuple[ServiceOrder, bool]:
    values: dict[str, Any] = {"actor": parties["staff"], "enterprise": parties["enterprise"],
                              "service": parties["service"], "idempotency_key": services.new_idempotency_key(),
                              "answers": GOOD_ANSWERS, "note": "请尽快"}
    values.update(kwargs)
    return services.order_create(**values)


# --- creation ------------------------------------------------------------------------------------

def test_create_validates_converts_and_records(parties: dict[str, Any],
                                               django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        order, created = _create(parties, files=[pdf(), SimpleUploadedFile("场地.png", PNG)])
    assert created and order.status == S.SUBMITTED and order.number.startswith("SO")
    assert order.answers == {"contact": "王芳", "kind": "新办", "headcount": 12, "start": "2026-12-01"}
    assert order.butler == parties["butler"] and order.sla_days == parties["service"].sla_days
    assert order.due_on == add_workdays(timezone.localdate(order.submitted_at), order.sla_days)
    assert list(order.events.values_list("action", flat=True)) == ["submit"]
    names = sorted(order.attachments.values_list("name", "content_type"))
    assert names == [("场地.png", "image/png"), ("营业执照.pdf", "application/pdf")]
    stored = order.attachments.get(name="营业执照.pdf")
    assert "营业执照" not in stored.file.name and stored.file.name.startswith(f"orders/{order.pk}/")
    # The butler and the enterprise's admin hear of it; the requester does not notify themself.
    notified = set(Notification.objects.filter(kind="order").values_list("recipient_id", flat=True))
    assert notified == {parties["butler"].pk, parties["admin"].pk}


@pytest.mark.parametrize(("answers", "field"), [
    ({**GOOD_ANSWERS, "contact": ""}, "answers.contact"),
    ({k: v for k, v in GOOD_ANSWERS.items() if k != "kind"}, "answers.kind"),
    ({**GOOD_ANSWERS, "kind": "注销"}, "answers.kind"),
    ({**GOOD_ANSWERS, "headcount": "十二"}, "answers.headcount"),
    ({**GOOD_ANSWERS, "start": "2026-13-01"}, "answers.start"),
    ({**GOOD_ANSWERS, "contact": "x" * 201}, "answers.contact"),
])
def test_bad_answers_are_refused_and_nothing_is_written(parties: dict[str, Any], answers: dict[str, Any],
                                                        field: str) -> None:
    before = ServiceOrder.objects.count()
    with pytest.raises(Invalid) as caught:
        _create(parties, answers=answers)
    assert field in caught.value.details
    assert ServiceOrder.objects.count() == before


@pytest.mark.parametrize(("upload", "code"), [
    (SimpleUploadedFile("virus.exe", b"MZ\x90\x00" * 10), ErrorCode.FILE_TYPE),
    (SimpleUploadedFile("fake.pdf", b"MZ\x90\x00this is not a pdf"), ErrorCode.FILE_TYPE),
    (SimpleUploadedFile("fake.png", PDF), ErrorCode.FILE_TYPE),
    (SimpleUploadedFile("empty.pdf", b""), "file_empty"),
    (SimpleUploadedFile("renamed.docx", b"PK\x05\x06" + b"\x00" * 18), ErrorCode.FILE_TYPE),
    (SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024)), ErrorCode.TOO_LARGE),
])
def test_bad_files_are_refused_and_nothing_is_written(parties: dict[str, Any], upload: Any, code: str) -> None:
    with pytest.raises(Invalid) as caught:
        _create(parties, files=[pdf(), upload])
    assert caught.value.code == code and "files" in caught.value.details
    assert not ServiceOrder.objects.filter(requested_by=parties["staff"]).exists()
    assert not OrderAttachment.objects.exists()


def _zip(member: str) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, "<xml/>")
    return buffer.getvalue()


def test_office_files_must_really_be_office_files(parties: dict[str, Any]) -> None:
    order, _created = _create(parties, files=[SimpleUploadedFile("申请表.docx", _zip("word/document.xml")),
                                              SimpleUploadedFile("报表.xlsx", _zip("xl/workbook.xml")),
                                              SimpleUploadedFile("资料.zip", _zip("a.txt"))])
    assert order.attachments.count() == 3
    with pytest.raises(Invalid) as caught:
        _create(parties, files=[SimpleUploadedFile("伪装.docx", _zip("a.txt"))])
    assert caught.value.code == ErrorCode.FILE_TYPE


def test_at_most_ten_files(parties: dict[str, Any]) -> None:
    with pytest.raises(Invalid) as caught:
        _create(parties, files=[pdf(f"{i}.pdf") for i in range(11)])
    assert caught.value.code == ErrorCode.TOO_MANY


def test_only_the_enterprises_people_may_request(parties: dict[str, Any]) -> None:
    for name in ("outsider", "butler", "operator", "provider_member", "member"):
        with pytest.raises(Forbidden):
            _create(parties, actor=parties[name])
    assert not ServiceOrder.objects.filter(requested_by__in=[parties["outsider"], parties["butler"]]).exists()


def test_eligibility_and_inactive_service_are_refused(parties: dict[str, Any]) -> None:
    picky = ServiceFactory(eligibility={"tenant_only": True, "stages": ["series_b"]})
    with pytest.raises(Conflict) as caught:
        _create(parties, service=picky, answers={})
    assert caught.value.code == "not_eligible" and len(caught.value.details["__all__"]) == 2
    gone = ServiceFactory(is_active=False)
    with pytest.raises(Conflict):
        _create(parties, service=gone, answers={})


def test_same_key_returns_the_same_order(parties: dict[str, Any]) -> None:
    first, created = _create(parties, idempotency_key="key-0000000001")
    again, created_again = _create(parties, idempotency_key="key-0000000001", note="second click")
    assert created and not created_again and again.pk == first.pk
    assert ServiceOrder.objects.filter(idempotency_key="key-0000000001").count() == 1
    with pytest.raises(Conflict):
        _create(parties, idempotency_key="key-0000000001", service=ServiceFactory())
    with pytest.raises(Invalid):
        _create(parties, idempotency_key="short")


@pytest.mark.django_db(transaction=True)
def test_double_submit_from_two_threads_creates_one_order() -> None:
    parties = order_parties(fields=SAMPLE_FIELDS)
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def submit() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(_create(parties, idempotency_key="double-click-0001"))
        except Exception as error:
            results.append(error)
        finally:
            connection.close()

    # Both threads pass the "already there?" check before either inserts: the unique constraint decides.
    real_replay = services._replay
    calls: list[int] = []

    def slow_replay(*args: Any) -> Any:
        found = real_replay(*args)
        calls.append(1)
        if len(calls) <= 2:
            barrier_after.wait(timeout=10)
        return found

    barrier_after = threading.Barrier(2)
    with mock.patch.object(services, "_replay", slow_replay):
        threads = [threading.Thread(target=submit) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert all(isinstance(r, tuple) for r in results), results
    orders = {r[0].pk for r in results}
    assert len(orders) == 1 and sorted(r[1] for r in results) == [False, True]
    assert ServiceOrder.objects.filter(idempotency_key="double-click-0001").count() == 1
    assert OrderEvent.objects.filter(order_id__in=orders, action="submit").count() == 1


# --- SLA clock -----------------------------------------------------------------------------------

def test_sla_counts_working_days_around_national_day() -> None:
    # 2026-09-30 (Wed) + 3 working days: the National Day holiday (10-01..10-07) is skipped, 10-08 and
    # 10-09 count, and Saturday 10-10 is an adjusted working day (调休), so the third day falls on it.
    assert sla.sla_due_on(date(2026, 9, 30), 3) == date(2026, 10, 10)
    # Paused days move it further: four more working days from there.
    assert sla.sla_due_on(date(2026, 9, 30), 3, paused_workdays=4) == date(2026, 10, 15)


def test_sla_pauses_while_waiting_for_material(parties: dict[str, Any]) -> None:
    order = order_in(S.IN_PROGRESS, enterprise=parties["enterprise"], service=parties["service"],
                     requested_by=parties["admin"], provider=parties["provider"])
    due_before = order.due_on
    monday = datetime(2026, 11, 16, 10, tzinfo=TZ)
    with mock.patch("django.utils.timezone.now", return_value=monday):
        order = services.order_transition(actor=parties["butler"], order=order, action="return", reason="缺公章页")
    assert order.status == S.RETURNED and order.paused_at == monday
    assert order_tracker(order, today=date(2026, 11, 18)).paused
    friday = datetime(2026, 11, 20, 9, tzinfo=TZ)  # 4 working days later
    with mock.patch("django.utils.timezone.now", return_value=friday):
        order = services.order_transition(actor=parties["staff"], order=order, action="supply", reason="已补充")
    assert order.status == S.IN_PROGRESS and order.paused_at is None and order.paused_workdays == 4
    assert order.due_on == add_workdays(due_before, 4)


def test_returned_orders_are_never_overdue(parties: dict[str, Any]) -> None:
    order = order_in(S.RETURNED, days_ago=60, enterprise=parties["enterprise"], service=parties["service"],
                     requested_by=parties["admin"])
    assert not sla.is_overdue(order)
    assert overdue.orders_flag_overdue() == 0


def test_tracker_shows_days_left_and_overdue(parties: dict[str, Any]) -> None:
    order = order_in(S.ACCEPTED, enterprise=parties["enterprise"], service=parties["service"],
                     requested_by=parties["admin"], due_on=date(2026, 11, 27))
    early = order_tracker(order, today=date(2026, 11, 24))
    assert (early.days_left, early.overdue, early.current) == (3, False, 1)
    delivered = order_in(S.DELIVERED, enterprise=parties["enterprise"], service=parties["service"],
                         requested_by=parties["admin"], delivered_at=datetime(2026, 11, 20, 10, tzinfo=TZ))
    assert order_tracker(delivered, today=date(2026, 11, 25)).reopen_until == date(2026, 12, 4)
    assert order_tracker(delivered, today=date(2026, 12, 5)).reopen_until is None
    late = order_tracker(order, today=date(2026, 12, 1))
    assert late.overdue and late.days_left == -2
    assert [s["current"] for s in late.steps] == [False, True, False, False, False, False]


# --- overdue sweep -------------------------------------------------------------------------------

def test_overdue_command_flags_once_and_notifies_the_butler(parties: dict[str, Any],
                                                           django_capture_on_commit_callbacks: Any) -> None:
    late = order_in(S.IN_PROGRESS, enterprise=parties["enterprise"], service=parties["service"],
                    requested_by=parties["admin"], due_on=date(2026, 11, 2))
    order_in(S.IN_PROGRESS, enterprise=parties["enterprise"], service=parties["service"],
             requested_by=parties["admin"], due_on=date(2026, 12, 20))
    order_in(S.DELIVERED, enterprise=parties["enterprise"], service=parties["service"],
             requested_by=parties["admin"], due_on=date(2026, 11, 2))
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("orders-overdue", "--today", "2026-11-28", stdout=out)
    assert "1 overdue" in out.getvalue()
    late.refresh_from_db()
    assert late.overdue_notified_at is not None
    notes = Notification.objects.filter(kind="order", recipient=parties["butler"])
    assert notes.count() == 1 and late.number in notes.get().title
    assert late.events.filter(action="overdue").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        call_command("orders-overdue", "--today", "2026-11-29", stdout=StringIO())
    assert Notification.objects.filter(kind="order", recipient=parties["butler"]).count() == 1
    assert late.events.filter(action="overdue").count() == 1


def test_overdue_without_butler_goes_to_operators(parties: dict[str, Any],
                                                   django_capture_on_commit_callbacks: Any) -> None:
    parties["enterprise"].butler = None
    parties["enterprise"].save()
    order_in(S.SUBMITTED, enterprise=parties["enterprise"], service=parties["service"],
             requested_by=parties["admin"], butler=None, due_on=date(2026, 11, 2))
    with django_capture_on_commit_callbacks(execute=True):
        assert overdue.orders_flag_overdue(today=date(2026, 11, 28)) == 1
    assert Notification.objects.filter(recipient=parties["operator"], kind="order").exists()


def test_overdue_task_runs_the_sweep(parties: dict[str, Any]) -> None:
    from parkos.catalog.tasks import orders_flag_overdue

    order_in(S.SUBMITTED, enterprise=parties["enterprise"], service=parties["service"],
             requested_by=parties["admin"], due_on=date(2020, 1, 2))
    assert orders_flag_overdue.enqueue().return_value == 1


# --- comments, internal notes --------------------------------------------------------------------

def test_internal_notes_are_for_park_staff_only(parties: dict[str, Any],
                                                 django_capture_on_commit_callbacks: Any) -> None:
    order = parties["order"]
    order.provider = parties["provider"]
    order.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(actor=parties["butler"], order=order, body="这家企业上次材料也不全", internal=True)
        services.comment_add(actor=parties["butler"], order=order, body="已受理，请补充材料")
    for name in ("admin", "staff", "provider_member"):
        bodies = [c.body for c in order_comments(viewer=parties[name], order=order)]
        assert bodies == ["已受理，请补充材料"], name
    for name in ("butler", "operator"):
        assert len(order_comments(viewer=parties[name], order=order)) == 2
    # The note reached nobody but park staff.
    for name in ("admin", "staff", "provider_member"):
        titles = Notification.objects.filter(recipient=parties[name]).values_list("body", flat=True)
        assert all("材料也不全" not in t for t in titles), name
    for name in ("admin", "staff", "provider_member"):
        with pytest.raises(Forbidden):
            services.comment_add(actor=parties[name], order=order, body="偷看", internal=True)
    with pytest.raises(Forbidden):
        services.comment_add(actor=parties["outsider"], order=order, body="你好")


def test_empty_or_control_char_comment_refused(parties: dict[str, Any]) -> None:
    for body in ("   ", "bad\x00text", "x" * 4001):
        with pytest.raises(Invalid):
            services.comment_add(actor=parties["admin"], order=parties["order"], body=body)


# --- reply templates -----------------------------------------------------------------------------

def test_reply_template_renders_known_variables_only(parties: dict[str, Any]) -> None:
    order = parties["order"]
    context = templates.template_context(order)
    text = templates.template_render(
        "{enterprise}您好，{service}（{number}）预计{due_on}完成，{requester}请留意。"
        "{unknown} {enterprise.__class__} {0} {{number}} {__import__}", context)
    assert text.startswith(f"{order.enterprise.name}您好，{order.service.name_zh}（{order.number}）")
    assert order.due_on is not None and order.due_on.isoformat() in text
    assert order.requested_by.display_name in text
    for kept in ("{unknown}", "{enterprise.__class__}", "{0}", "{__import__}"):
        assert kept in text


def test_reply_templates_belong_to_their_owner(parties: dict[str, Any]) -> None:
    mine = templates.reply_template_save(actor=parties["butler"], title="受理", body="{enterprise} 您好")
    ReplyTemplateFactory(owner=parties["other_butler"], title="别人的")
    shared = ReplyTemplateFactory(owner=None, title="共享")
    from parkos.catalog.selectors.orders import reply_templates

    titles = {t.title for t in reply_templates(viewer=parties["butler"])}
    assert titles == {mine.title, shared.title}
    with pytest.raises(Forbidden):
        templates.reply_template_save(actor=parties["butler"], title="共享2", body="x", shared=True)
    with pytest.raises(Forbidden):
        templates.reply_template_save(actor=parties["admin"], title="企业", body="x")
    with pytest.raises(Forbidden):
        templates.reply_template_delete(actor=parties["butler"], template=shared)


def test_without_a_butler_the_operators_hear_of_new_orders(parties: dict[str, Any],
                                                           django_capture_on_commit_callbacks: Any) -> None:
    parties["enterprise"].butler = None
    parties["enterprise"].save()
    with django_capture_on_commit_callbacks(execute=True):
        order, _created = _create(parties)
    assert order.butler is None
    assert Notification.objects.filter(recipient=parties["operator"], kind="order").exists()
    assert not Notification.objects.filter(recipient=parties["butler"]).exists()
