"""Crash safety: `parkos serve` on the test database (SQLite here, PostgreSQL when the suite runs with
DATABASE_URL) takes a load of writes over HTTP — service orders, registrations for an event that fills
up, redemptions of members' coupons — while its web workers are killed (SIGKILL; gunicorn starts new
ones), then the whole server is. After a restart the clients send again, with the same keys, every call
that had no sure answer, and then every committed one once more.

Then: every write that was answered 2xx is there exactly once, no retry or replay made a second one,
the event holds no more than its capacity and its waitlist queues behind the confirmed seats, `parkos
ledger-check` (a subprocess, as an operator runs it) reconciles the ledger with the tables, and SQLite's
file passes ``PRAGMA integrity_check``."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest
from django.conf import settings
from django.db import connection

from parkos.accounts.models import Role
from parkos.accounts.services import token_create
from parkos.accounts.tests.factories import UserFactory
from parkos.catalog.models import OrderEvent, ServiceOrder
from parkos.catalog.tests.factories import ServiceFactory
from parkos.conftest import ARTIFACTS_DIR, REPO_DIR, database_url, ensure_industries, free_port, wait_for_port
from parkos.core.crashload import Call, Load
from parkos.core.models import LedgerOperation
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin
from parkos.events.models import Event, Registration
from parkos.events.tests.factories import EventFactory
from parkos.rewards.models import Coupon, RedeemedCoupon, Redemption
from parkos.rewards.tests.factories import MerchantFactory, TemplateFactory, issue

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

PARKOS = str(Path(sys.executable).with_name("parkos"))
STAFF = 6  # the enterprise's people placing orders
ORDERS_EACH = 8
MEMBERS = 20  # members who register for the event and pay with their coupons
COUPONS_EACH = 2
CAPACITY = 6


# --- the server ------------------------------------------------------------------------------------

def _proc_stat(pid: int) -> tuple[int, int, str] | None:
    """(ppid, pgid, state) of a live process, from /proc; None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[1]), int(fields[2]), fields[0]


def _processes() -> list[tuple[int, int, int, str]]:
    """(pid, ppid, pgid, state) of every process."""
    result = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _proc_stat(int(entry.name))) is not None:
            result.append((int(entry.name), *stat))
    return result


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@dataclass
class Server:
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = free_port(pair=True)
        with self.log.open("ab") as log_file:
            log_file.write(f"\n=== parkos serve on {self.port} ===\n".encode())
            log_file.flush()
            # Its own session: the process group is the server and everything it started, for killpg.
            self.proc = subprocess.Popen([PARKOS, "serve", "--port", str(self.port), "--workers", "2", "--quiet"],
                                         env=self.env, cwd=REPO_DIR, stdout=log_file, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        try:
            wait_for_port(self.port, proc=self.proc, timeout=120)
            self.wait_ready()
        except (RuntimeError, TimeoutError) as error:
            self.fail(str(error))

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.base + "/api/v1/health", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("the server did not answer /api/v1/health")
            time.sleep(0.1)

    def fail(self, message: str) -> NoReturn:
        pytest.fail(f"{message}\n--- serve log ---\n{self.log.read_text(errors='replace')[-6000:]}")

    def gunicorn_master(self) -> int:
        assert self.proc is not None
        if self.proc.poll() is not None:
            self.fail(f"parkos serve exited with {self.proc.returncode}")
        masters = [pid for pid, ppid, _pgid, state in _processes()
                   if ppid == self.proc.pid and state != "Z" and "gunicorn" in _cmdline(pid)]
        assert len(masters) == 1, masters
        return masters[0]

    def web_workers(self) -> list[int]:
        master = self.gunicorn_master()
        return sorted(pid for pid, ppid, _pgid, state in _processes() if ppid == master and state != "Z")

    def kill_web_workers(self) -> list[int]:
        """SIGKILL every gunicorn worker (the master stays and starts new ones)."""
        workers = self.web_workers()
        assert len(workers) == 2, workers
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        return workers

    def group(self) -> list[int]:
        assert self.proc is not None
        return [pid for pid, _ppid, pgid, state in _processes() if pgid == self.proc.pid and state != "Z"]

    def kill_all(self) -> None:
        """SIGKILL the whole server at once: `parkos serve`, gunicorn and its workers, daphne, the job worker,
        the map server, the scheduler. Nothing gets to clean up."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while self.group() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.group() == [], "processes of the killed server are still running"

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=15)
        for pid in self.group():
            os.kill(pid, signal.SIGKILL)
        if self.proc.poll() is None:
            self.proc.wait(timeout=10)


@pytest.fixture
def server() -> Iterator[Server]:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update({
        # Production settings (the test settings run jobs inline, which the job worker refuses): the
        # job worker and the scheduler run on the test database as they would in a park.
        "DJANGO_SETTINGS_MODULE": "parkos.config.settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "SECRET_KEY": settings.SECRET_KEY,
        "PARKOS_VAR_DIR": str(settings.VAR_DIR),
        "DB_CONN_MAX_AGE": "0",  # no connection left open while the test database is flushed or dropped
        "RATELIMIT_ENABLE": "false",  # a load test, not a test of the limits
        "PYTHONUNBUFFERED": "1",
    })
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS_DIR / "crash-serve.log"
    log.write_bytes(b"")
    srv = Server(env=env, log=log)
    try:
        yield srv
    finally:
        srv.stop()


# --- the park and the load -------------------------------------------------------------------------

def _token(user: Any) -> str:
    _row, raw = token_create(actor=user, name="load")
    return raw


def _park_and_calls() -> tuple[dict[str, Any], list[Call]]:
    """Orders by an enterprise's staff, a small event that fills up, coupons to spend at a merchant; the
    calls interleaved as clients would send them."""
    ensure_industries()
    enterprise, admin = enterprise_with_admin()
    enterprise.butler = UserFactory(roles=[Role.BUTLER])  # type: ignore[assignment]
    enterprise.save()
    staff = [admin, *(add_staff(enterprise) for _ in range(STAFF - 1))]
    service: Any = ServiceFactory()
    event: Any = EventFactory(capacity=CAPACITY)
    merchant: Any = MerchantFactory()
    template: Any = TemplateFactory(value_fen=1000)
    members: list[Any] = [UserFactory() for _ in range(MEMBERS)]
    coupons = {m.pk: [c for _ in range(COUPONS_EACH) for c in issue(template, m, reason="crash test")] for m in members}

    orders = [Call("order", "/api/v1/orders", {"service_id": service.pk, "answers": {}, "note": f"load {i}"},
                   _token(user), key=f"crash-order-{user.pk}-{i}")
              for i in range(ORDERS_EACH) for user in staff]
    registrations = [Call("register", f"/api/v1/events/{event.pk}/registration", {"answers": {}}, _token(m))
                     for m in members]
    tokens = {m.pk: _token(m) for m in members}
    redemptions = [Call("redeem", f"/api/v1/rewards/pay/{merchant.pay_token}/redemptions",
                        {"bill_fen": 2500, "coupon_ids": [coupon.pk]}, tokens[m.pk],
                        key=f"crash-pay-{coupon.pk}")
                   for m in members for coupon in coupons[m.pk]]
    calls: list[Call] = []
    queues = [orders, registrations, redemptions]
    while any(queues):
        for q in queues:
            if q:
                calls.append(q.pop(0))
    park = {"enterprise": enterprise, "staff": staff, "service": service, "event": event, "merchant": merchant,
            "template": template, "members": members, "coupons": coupons}
    return park, calls


# --- the checks ------------------------------------------------------------------------------------

def _ids(calls: list[Call], kind: str) -> list[int]:
    return [c.first_committed["id"] for c in calls if c.kind == kind]


def _check_orders(park: dict[str, Any], calls: list[Call]) -> None:
    placed = [c for c in calls if c.kind == "order"]
    orders = ServiceOrder.objects.filter(enterprise=park["enterprise"])
    assert orders.count() == len(placed), "an order is missing or doubled"
    for call in placed:
        found = list(orders.filter(idempotency_key=call.key).values_list("pk", flat=True))
        assert found == [call.first_committed["id"]], (call.key, found, call.answers)
        assert call.answer["id"] == found[0]  # the retry answered with the first order
    submits = OrderEvent.objects.filter(order__in=orders, action="submit")
    assert submits.count() == len(placed), "an order's submission is recorded twice (or not at all)"


def _check_registrations(park: dict[str, Any], calls: list[Call]) -> None:
    event: Event = park["event"]
    made = [c for c in calls if c.kind == "register"]
    rows = Registration.objects.filter(event=event)
    assert rows.count() == len(made) == len(set(_ids(calls, "register")))
    assert set(rows.values_list("pk", flat=True)) == set(_ids(calls, "register"))
    held = rows.filter(status__in=[Registration.Status.CONFIRMED, Registration.Status.OFFERED])
    assert held.count() == CAPACITY, "the full event holds more (or fewer) than its capacity"
    waiting = rows.filter(status=Registration.Status.WAITLISTED)
    assert waiting.count() == MEMBERS - CAPACITY
    # Seats were served in arrival order: everybody waiting arrived after everybody seated.
    last_seated = max(held.values_list("queued_at", flat=True))
    assert all(queued >= last_seated for queued in waiting.values_list("queued_at", flat=True))
    for call in made:
        body = call.first_committed
        assert rows.get(pk=body["id"]).status == body["status"], "a registration changed after it was answered"


def _check_redemptions(park: dict[str, Any], calls: list[Call]) -> None:
    paid = [c for c in calls if c.kind == "redeem"]
    redemptions = Redemption.objects.filter(merchant=park["merchant"])
    assert redemptions.count() == len(paid), "a redemption is missing or doubled"
    for call in paid:
        found = list(redemptions.filter(key=call.key).values_list("pk", flat=True))
        assert found == [call.first_committed["id"]], (call.key, found, call.answers)
    coupons = Coupon.objects.filter(template=park["template"])
    assert coupons.filter(status=Coupon.Status.USED).count() == len(paid) == coupons.count()
    assert RedeemedCoupon.objects.filter(redemption__in=redemptions).count() == len(paid)
    keys = {f"redeem:{pk}" for pk in redemptions.values_list("pk", flat=True)}
    assert LedgerOperation.objects.filter(scope="rewards", key__in=keys).count() == len(paid)


def _ledger_check(server: Server) -> None:
    done = subprocess.run([PARKOS, "ledger-check"], env=server.env, cwd=REPO_DIR, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, f"ledger-check failed:\n{done.stdout}\n{done.stderr}"


def _integrity_check() -> None:
    if connection.vendor != "sqlite":
        return
    path = connection.settings_dict["NAME"]
    db = sqlite3.connect(path, timeout=20)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        db.close()


# --- the test --------------------------------------------------------------------------------------

def test_committed_writes_survive_kill_9_once_each(server: Server) -> None:
    started = time.monotonic()
    times: dict[str, float] = {}

    def lap(name: str) -> None:
        times[name] = round(time.monotonic() - started, 1)

    park, calls = _park_and_calls()
    total = len(calls)
    lap("data")
    server.start()
    lap("started")
    load = Load(server.base, calls, threads=8).start()
    try:
        load.wait_for(total // 5)
        killed = server.kill_web_workers()
        lap("workers killed")
        load.wait_for(total // 2)
        # gunicorn replaced the killed workers and the load went on through the new ones.
        respawned = server.web_workers()
        assert len(respawned) == 2 and not set(respawned) & set(killed)
        server.kill_all()
        lap("server killed")
    finally:
        load.stop()
    before_restart = load.summary()
    _integrity_check()  # the file right after the crash, as the restarted server will open it

    server.start()
    lap("restarted")
    load.finish(server.base, deadline=60)
    lap("retried")
    summary = load.summary()
    print(f"crash test on {connection.vendor}: {total} calls; before the restart {before_restart}; "
          f"after {summary}")
    unanswered = [(c.kind, c.key, c.answers[-1:] or c.failures[-1:]) for c in calls if not c.committed]
    assert not unanswered, f"calls without a 2xx after the restart: {unanswered[:5]} ({summary})"
    # The crash was real: some calls went unanswered and were sent again.
    assert sum(row["retried"] for row in summary.values()) > 0, (before_restart, summary)

    # Every committed call, sent once more with its key, answers with what it first made.
    for call, status, body in load.replay(server.base):
        assert status is not None and 200 <= status < 300, (call.kind, call.key, status, body)
        assert body["id"] == call.first_committed["id"], (call.kind, call.key, body)
        if call.kind == "order":
            assert status == 200  # a replay, not a new order
    lap("replayed")

    _check_orders(park, calls)
    _check_registrations(park, calls)
    _check_redemptions(park, calls)
    _ledger_check(server)
    lap("ledger checked")
    server.stop()
    _integrity_check()
    lap("stopped")
    print(f"crash test timings (s): {times}")
