"""Fixtures shared by the whole suite: headless Chromium (Playwright), a real daphne websocket server
on the test database, and clean caches for every test."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

REPO_DIR = Path(__file__).resolve().parents[2]
# CI runs the embedded and the scale-out suites side by side in one checkout: each writes its servers' logs
# (and screenshots) to a folder of its own, so that neither truncates or reads the other's.
ARTIFACTS_DIR = REPO_DIR / "test-artifacts" / ("scale-out" if os.environ.get("DATABASE_URL") else "")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


# --- helpers ---------------------------------------------------------------------------------------

def free_port(*, pair: bool = False) -> int:
    """A TCP port nobody listens on; with ``pair``, the next port is free too (web on P, ws on P+1)."""
    for _ in range(200):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port: int = first.getsockname()[1]
            if not pair:
                return port
            if port >= 65535:
                continue
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port pair found")


def wait_for_port(port: int, *, proc: subprocess.Popen[Any] | None = None, timeout: float = 30.0) -> None:
    """Block until 127.0.0.1:port accepts connections; fail early if ``proc`` dies first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server process exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f}s")


def database_url(settings_dict: dict[str, Any]) -> str:
    """A DATABASE_URL naming the database ``settings_dict`` points at (the test database once set up)."""
    engine = settings_dict["ENGINE"]
    if "sqlite" in engine:  # Django's backend or ParkOS's (parkos.core.sqlite)
        return f"sqlite:///{Path(str(settings_dict['NAME'])).resolve()}"
    if "postgresql" in engine:
        user = quote(settings_dict.get("USER") or "", safe="")
        password = settings_dict.get("PASSWORD") or ""
        auth = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"
    raise RuntimeError(f"no DATABASE_URL for engine {engine}")


def stop_process(proc: subprocess.Popen[Any], *, timeout: float = 10.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)


@contextmanager
def nginx_serving(binary: str, prefix: Path, conf: Path, port: int) -> Iterator[int]:
    """Debian's nginx run with ``conf`` (its prefix and error log under ``prefix``) until the block ends;
    yields ``port`` once it listens there, or fails the test with nginx's error log."""
    proc = subprocess.Popen([binary, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        try:
            wait_for_port(port, proc=proc, timeout=15)
        except (RuntimeError, TimeoutError) as error:
            log = prefix / "error.log"
            pytest.fail(f"nginx did not start: {error}\n{log.read_text(errors='replace') if log.exists() else ''}")
        yield port
    finally:
        stop_process(proc)


# --- emptying the database after a transactional test -----------------------------------------------

# Content types and permissions are the rows post_migrate makes for every model (~300 models, ~1,500 rows),
# and Django's flush after a transactional test emits post_migrate to make them again; a test never makes
# rows of its own there. Left in place, post_migrate finds them all and makes nothing.
KEPT_BY_FLUSH = frozenset({"django_content_type", "auth_permission"})


@pytest.fixture(autouse=True, scope="session")
def _flush_by_delete() -> Iterator[None]:
    """How a transactional test's database is emptied after it, on both databases: every table but
    ``KEPT_BY_FLUSH`` (making the content types and permissions again took most of each flush's time).

    On PostgreSQL, Django empties the tables with one TRUNCATE of every table: ~300 tables, each a set of
    files to replace, about a second per test (many minutes over the suite's transactional tests). DELETE of
    the few tables a test filled costs milliseconds; foreign keys are DEFERRABLE INITIALLY DEFERRED in
    Django's schema, so the order does not matter. Sequences are left as TRUNCATE left them (no RESTART
    IDENTITY); a flush asking for a reset or a cascade keeps Django's way."""
    from django.db import connection

    operations = type(connection.ops)
    django_flush = operations.sql_flush
    postgresql = connection.vendor == "postgresql"

    def sql_flush(self: Any, style: Any, tables: Any, *, reset_sequences: bool = False,
                  allow_cascade: bool = False) -> list[str]:
        tables = [table for table in tables if table not in KEPT_BY_FLUSH]
        if not postgresql or reset_sequences or allow_cascade or not tables:
            return django_flush(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return ["SET CONSTRAINTS ALL DEFERRED;", *(f"DELETE FROM {self.quote_name(table)};" for table in tables)]

    # post_migrate after the flush (Django's content types and permissions are its only receivers) checks
    # ~300 models app by app; when the kept rows are all still there (their counts as post_migrate last left
    # them) it would make nothing, and two counts say so.
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.commands import flush as flush_command

    emit = flush_command.emit_post_migrate_signal  # type: ignore[attr-defined]
    made: dict[str, tuple[int, int]] = {}

    def counts(db: str) -> tuple[int, int]:
        return ContentType.objects.using(db).count(), Permission.objects.using(db).count()

    def emit_unless_all_there(verbosity: int, interactive: bool, db: str, **kwargs: Any) -> None:
        if made.get(db) != counts(db):
            emit(verbosity, interactive, db, **kwargs)
            made[db] = counts(db)

    operations.sql_flush = sql_flush  # type: ignore[method-assign]
    flush_command.emit_post_migrate_signal = emit_unless_all_there  # type: ignore[attr-defined]
    try:
        yield
    finally:
        operations.sql_flush = django_flush  # type: ignore[method-assign]
        flush_command.emit_post_migrate_signal = emit  # type: ignore[attr-defined]


# --- a migrated, empty SQLite park ------------------------------------------------------------------

# The embedded suite's test database copied as `migrate` left it, before any test wrote to it (see below).
_PRISTINE_SQLITE: list[Path] = []


def copy_sqlite(source: Path | str, target: Path) -> Path:
    """A consistent copy of the SQLite database ``source`` at ``target`` (SQLite's backup API: right even
    while another connection holds the source open, WAL included)."""
    import sqlite3

    target.parent.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any, request: pytest.FixtureRequest,
                    tmp_path_factory: pytest.TempPathFactory) -> None:
    """pytest-django's test database; on SQLite, a copy of it as just migrated is kept for
    ``migrated_sqlite_template`` (a full migrate costs ~40 s of CPU, spent in Django's migration states)."""
    from django.db import connection

    name = connection.settings_dict["NAME"]
    # pytest-django makes the test database only when a collected test uses it: otherwise NAME is still the
    # developer's own database, which is no template (migrated_sqlite_template then runs `migrate`).
    made = name == (connection.settings_dict.get("TEST") or {}).get("NAME")
    if connection.vendor == "sqlite" and made and not request.config.getoption("reuse_db", False):
        with django_db_blocker.unblock():
            _PRISTINE_SQLITE.append(copy_sqlite(name, tmp_path_factory.mktemp("pristine") / "park.sqlite3"))


@pytest.fixture(scope="session")
def migrated_sqlite_template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite park migrated to the latest state, as `parkos migrate` leaves a new file, made once a
    session: the embedded suite's pristine test database (the same schema and rows: the test settings change
    nothing that migrations write), or in the scale-out suite one `parkos migrate` with production settings.
    A test that needs a freshly migrated park of its own takes ``copy_sqlite(migrated_sqlite_template, path)``
    instead of running `migrate` (tens of seconds each)."""
    from django.db import connection

    if connection.vendor == "sqlite":
        request.getfixturevalue("django_db_setup")
        if _PRISTINE_SQLITE:
            return _PRISTINE_SQLITE[0]
    path = tmp_path_factory.mktemp("migrated-template") / "park.sqlite3"
    env = {key: value for key, value in os.environ.items()
           if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL"}}
    env.update({"DJANGO_SETTINGS_MODULE": "parkos.config.settings", "DATABASE_URL": f"sqlite:///{path}",
                "PARKOS_VAR_DIR": str(path.parent / "var"), "SCHEDULER": "0", "LOG_LEVEL": "ERROR"})
    subprocess.run([sys.executable, "-m", "parkos.config.cli", "migrate", "--noinput", "-v", "0"], env=env,
                   cwd=path.parent, check=True, timeout=600)
    return path


# --- caches ----------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _clear_caches() -> Iterator[None]:
    """Rate-limit counters and cached sessions must not leak from one test into the next."""
    from django.core.cache import caches

    caches["ratelimit"].clear()
    caches["default"].clear()
    # Cached facts and fragments (core/generations.py): a rolled-back test's ids come back in the next one.
    caches["shared"].clear()
    caches["fragments"].clear()
    yield


# --- data that migrations load ----------------------------------------------------------------------

def ensure_industries() -> None:
    """The industry taxonomy and the default park come from data migrations; a transactional test before
    this one may have flushed them. Loads them again (idempotent)."""
    from importlib import import_module

    from django.apps import apps

    import_module("parkos.enterprises.migrations.0002_industries").load(apps, None)
    # The default park too (core 0002): a flush took it with everything else.
    import_module("parkos.core.migrations.0002_parks").create_default_park(apps, None)
    from parkos.core.parks import parks_changed

    parks_changed()


# --- browser ---------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS_DIR


class _Chromium:
    """The launched browser, whose contexts bypass the Content-Security-Policy unless the test module sets
    ``BROWSER_ENFORCES_CSP = True``: Playwright evaluates ``wait_for_function`` expressions and the like with
    ``eval``, which ParkOS's strict policy (no 'unsafe-eval') forbids in the page. The journeys test what
    pages do; config/tests/test_security_headers_browser.py tests the policy itself, enforced."""

    def __init__(self, chromium: Any, *, bypass_csp: bool) -> None:
        self._chromium, self._bypass_csp = chromium, bypass_csp

    def new_context(self, **options: Any) -> Any:
        options.setdefault("bypass_csp", self._bypass_csp)
        return self._chromium.new_context(**options)

    def new_page(self, **options: Any) -> Any:
        options.setdefault("bypass_csp", self._bypass_csp)
        return self._chromium.new_page(**options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._chromium, name)


@pytest.fixture(scope="module")
def browser(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser).

    Playwright's sync API keeps an event loop running on the main thread while it is started, and
    Django's ORM then refuses to run in the test's own (synchronous) code. So the browser lives for one
    test module only, and DJANGO_ALLOW_ASYNC_UNSAFE is set exactly while it runs: the rest of the suite
    keeps Django's guard against calling the ORM from async code."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps`")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield _Chromium(chromium, bypass_csp=not getattr(request.module, "BROWSER_ENFORCES_CSP", False))
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def browser_login(browser: Any, base: str, user: Any, password: str) -> Any:
    """A new browser context logged in through the real log-in form; returns its page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.locator("main #id_login").fill(user.email)
    page.locator("main #id_password").fill(password)
    page.locator("main #id_password").press("Enter")
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, "log-in failed"
    return page


PHONE = {"width": 375, "height": 812}


def phone_page(browser: Any, base: str, user: Any, viewport: dict[str, int] | None = None) -> Any:
    """A new phone-sized (or ``viewport``-sized) browser context already logged in as ``user`` (a session made
    by the test client, handed over as its cookie: the log-in form is tested elsewhere); returns its page."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport or PHONE, locale="zh-CN")
    context.set_default_timeout(60_000)  # a ceiling for waits on positive signals (a cold live server)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": base}])
    return context.new_page()


def fits_width(page: Any) -> bool:
    """Nothing on the page is wider than the screen (no sideways scrolling of the whole page)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def storm(n: int, call: Any) -> list[Any]:
    """``call(i)`` in ``n`` threads released together (a race for real, on the real database); each
    thread's result or the exception it raised, for the test to count."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = call(i)
        except Exception as error:  # the outcome is what the test counts
            results[i] = error
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return results


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) and page, desktop sized, Chinese first like most visitors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


# --- real websocket server -------------------------------------------------------------------------

@dataclass(frozen=True)
class WsServer:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.contextmanager
def daphne_serving(url: str, *, settings_module: str = "parkos.config.settings_test",
                   log_name: str = "ws-server.log") -> Iterator[WsServer]:
    """daphne serving parkos.config.asgi on the database at ``url`` with ``settings_module``, as `parkos
    serve` runs it; stopped on leaving."""
    from django.conf import settings

    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DATABASE_URL": url,
        "SECRET_KEY": settings.SECRET_KEY,  # sessions are signed: both processes need the same key
        "PARKOS_VAR_DIR": str(settings.VAR_DIR),
        "DB_CONN_MAX_AGE": "0",  # hold no connection open while the test database is flushed or dropped
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    log = ARTIFACTS_DIR / log_name
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "parkos.config.asgi:application"],
            cwd=REPO_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )
    try:
        try:
            wait_for_port(port, proc=proc, timeout=30)
        except (RuntimeError, TimeoutError) as error:
            pytest.fail(f"{error}\n--- daphne log ---\n{log.read_text(errors='replace')[-4000:]}")
        yield WsServer(port=port, process=proc)
    finally:
        stop_process(proc)


@pytest.fixture(scope="session")
def ws_server(django_db_setup: None, django_db_blocker: Any) -> Iterator[WsServer]:
    """daphne serving parkos.config.asgi on the test database, as `parkos serve` runs it.

    Tests that use it must commit their data (``transactional_db``) for the server to see it."""
    from django.db import connection

    with django_db_blocker.unblock():
        url = database_url(connection.settings_dict)
    with daphne_serving(url) as server:
        yield server


# --- the schema after tests that move it ----------------------------------------------------------------

@pytest.fixture(autouse=True)
def _schema_left_current(request: pytest.FixtureRequest) -> Iterator[None]:
    """A migration-history test moves the test database back and forward again; it must leave every app at
    its latest migration, or tests after it (and the servers they start, whose /ready checks it) find a
    schema from the past. Checked here after each such test, so the one that forgets is named."""
    yield
    if request.node.get_closest_marker("migration_history") is None:
        return
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    assert not plan, f"left migrations unapplied: {[f'{m.app_label}.{m.name}' for m, _ in plan][:10]}"
