"""The load generator, run in its own process: ``python -m bench.load < spec.json > result.json``.

Pure Python (asyncio, HTTP/1.1 with keep-alive), so it installs from the project's own files. It
logs sessions in the way a browser does (GET the form for the CSRF token, POST it), then runs the
spec's phases against one server:
- ``open``: requests start on a Poisson schedule at ``rate`` per second whatever the server does;
  each latency is counted from the moment the request was *due*, so a stalled server cannot hide
  its queue (no coordinated omission).
- ``closed``: ``concurrency`` clients each send their next request when the last one returns; the
  throughput is the server's top rate for that mix.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

CSRF_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
SEARCH_WORDS = ["智能", "机器人", "储能", "SaaS", "医疗", "科技", "数据", "北京"]
MEMBER_WORDS = ["王", "李", "张", "Python", "产品", "算法"]


class Closed(Exception):
    pass


class Conn:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.alive = False
        self.used = 0

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.alive = True

    def close(self) -> None:
        self.alive = False
        if self.writer is not None:
            self.writer.close()

    async def request(self, method: str, path: str, headers: dict[str, str],
                      body: bytes = b"") -> tuple[int, list[tuple[str, str]], bytes]:
        if not self.alive:
            await self.open()
        assert self.reader is not None and self.writer is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Accept-Encoding: identity"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        self.used += 1
        status_line = await self.reader.readline()
        if not status_line:
            self.close()
            raise Closed()
        status = int(status_line.split(b" ", 2)[1])
        response_headers: list[tuple[str, str]] = []
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            response_headers.append((name.strip().lower(), value.strip()))
        lookup = dict(response_headers)
        if "content-length" in lookup:
            data = await self.reader.readexactly(int(lookup["content-length"]))
        elif lookup.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readline()
            data = b"".join(chunks)
        else:
            data = await self.reader.read()
            self.close()
        if lookup.get("connection", "").lower() == "close":
            self.close()
        return status, response_headers, data


class Pool:
    """Keep-alive connections, last used first (so few of them idle long enough to be timed out)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.idle: list[Conn] = []
        self.opened = 0

    async def send(self, method: str, path: str, headers: dict[str, str],
                   body: bytes = b"") -> tuple[int, list[tuple[str, str]], bytes]:
        for attempt in range(2):
            # The retry goes out on a new connection: the next idle one may have been timed out as well.
            conn = self.idle.pop() if self.idle and attempt == 0 else Conn(self.host, self.port)
            reused = conn.alive
            if not reused:
                self.opened += 1
            try:
                result = await conn.request(method, path, headers, body)
            except (Closed, OSError, ValueError, asyncio.IncompleteReadError):
                conn.close()
                if reused and attempt == 0:
                    continue  # the server closed an idle connection: retry once on a new one, as browsers do
                raise
            if conn.alive:
                self.idle.append(conn)
            return result
        raise Closed()


def cookies_from(headers: list[tuple[str, str]]) -> dict[str, str]:
    found = {}
    for name, value in headers:
        if name == "set-cookie":
            key, _, rest = value.partition("=")
            found[key.strip()] = rest.split(";", 1)[0]
    return found


def cookie_header(cookies: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}


@dataclass
class Sample:
    name: str
    status: int
    seconds: float


@dataclass
class Load:
    pool: Pool
    spec: dict[str, Any]
    rng: random.Random
    sessions: list[dict[str, str]] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    recording: bool = True
    _mix: list[tuple[str, int, bool, Callable[[], str]]] = field(default_factory=list)
    _weights: list[int] = field(default_factory=list)

    async def login(self, email: str, password: str, due: float | None = None) -> dict[str, str] | None:
        """Log in as a browser does; records the form and the POST as two samples."""
        loop = asyncio.get_running_loop()
        started = due if due is not None else loop.time()
        status, headers, body = await self.pool.send("GET", "/accounts/login/", {})
        self.record("login-form", status, loop.time() - started)
        cookies = cookies_from(headers)
        match = CSRF_RE.search(body)
        if status != 200 or not match or "csrftoken" not in cookies:
            return None
        form = urlencode({"csrfmiddlewaretoken": match.group(1).decode(), "login": email, "password": password})
        posted = loop.time()
        status, headers, _ = await self.pool.send(
            "POST", "/accounts/login/",
            {**cookie_header(cookies), "Content-Type": "application/x-www-form-urlencoded"}, form.encode())
        self.record("login", status, loop.time() - posted)
        cookies.update(cookies_from(headers))
        return cookies if status == 302 and "sessionid" in cookies else None

    def record(self, name: str, status: int, seconds: float) -> None:
        if self.recording:
            self.samples.append(Sample(name, status, seconds))

    def email(self) -> str:
        return f"u{self.rng.choice(self.spec['members']):06d}@gen.parkos"

    async def ensure_sessions(self) -> None:
        self.sessions = list(self.spec.get("sessions") or [])
        was, self.recording = self.recording, False
        tries = 0
        while len(self.sessions) < self.spec["n_sessions"] and tries < 4 * self.spec["n_sessions"]:
            tries += 1
            cookies = await self.login(self.email(), self.spec["password"])
            if cookies:
                self.sessions.append(cookies)
        self.recording = was
        if not self.sessions:
            raise SystemExit("bench.load: no generated member could log in")

    # --- the realistic mix: (name, weight, needs a session, path) -------------------------------
    def mix(self) -> list[tuple[str, int, bool, Callable[[], str]]]:
        rng, spec = self.rng, self.spec

        def directory() -> str:
            roll = rng.random()
            if roll < 0.25:
                return "/enterprises/?" + urlencode({"industry": rng.choice(spec["industries"])})
            if roll < 0.40:
                return "/enterprises/?" + urlencode({"stage": rng.choice(spec["stages"])})
            if roll < 0.50:
                return f"/enterprises/?page={rng.randint(2, 5)}"
            if roll < 0.60:
                return "/enterprises/?" + urlencode({"q": rng.choice(SEARCH_WORDS)})
            return "/enterprises/"

        def api_list() -> str:
            params: dict[str, Any] = {"page": rng.randint(1, 3)}
            if rng.random() < 0.4:
                params["industry"] = rng.choice(spec["industries"])
            return "/api/v1/enterprises?" + urlencode(params)

        def members() -> str:
            roll = rng.random()
            if roll < 0.2:
                return "/accounts/members/?" + urlencode({"q": rng.choice(MEMBER_WORDS)})
            if roll < 0.4:
                return f"/accounts/members/?page={rng.randint(2, 6)}"
            return "/accounts/members/"

        enterprise = lambda: f"/enterprises/{rng.choice(spec['enterprises'])}/"  # noqa: E731
        return [
            ("home", 14, False, lambda: "/"),
            ("directory", 18, False, directory),
            ("enterprise", 18, False, enterprise),
            ("profile", 8, True, lambda: "/accounts/profile/"),
            ("api-enterprises", 12, False, api_list),
            ("api-enterprise", 5, False, lambda: f"/api/v1/enterprises/{rng.choice(spec['enterprises'])}"),
            ("api-me", 10, True, lambda: "/api/v1/me"),
            ("members", 10, True, members),
            ("log-in", 1, False, lambda: ""),
        ]

    async def one(self, kind: str, due: float) -> None:
        loop = asyncio.get_running_loop()
        if kind == "bare":
            name, path, headers = "bare", "/bare/", {}
        else:
            if not self._mix:
                self._mix = self.mix()
                self._weights = [entry[1] for entry in self._mix]
            if kind.startswith("only:"):  # one endpoint of the mix alone
                name, _w, needs_session, make = next(e for e in self._mix if e[0] == kind[5:])
            else:
                name, _w, needs_session, make = self.rng.choices(self._mix, weights=self._weights)[0]
            if name == "log-in":
                try:
                    await self.login(self.email(), self.spec["password"], due=due)
                except (Closed, OSError, ValueError, asyncio.IncompleteReadError):
                    self.record("login-form", 0, loop.time() - due)
                return
            path = make()
            logged_in = needs_session or self.rng.random() < 0.85
            headers = cookie_header(self.rng.choice(self.sessions)) if logged_in else {}
        try:
            status, _h, _b = await self.pool.send("GET", path, headers)
        except (Closed, OSError, ValueError, asyncio.IncompleteReadError):
            status = 0
        self.record(name, status, loop.time() - due)

    async def open_loop(self, kind: str, rate: float, seconds: float, max_connections: int = 256) -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        due = start
        tasks = []
        # Past this many requests in flight, new ones wait in the client (a browser's queue); their
        # latency still runs from when they were due.
        gate = asyncio.Semaphore(max_connections)

        async def gated(due: float) -> None:
            async with gate:
                await self.one(kind, due)

        while due < start + seconds:
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(gated(due)))
            due += self.rng.expovariate(rate)
        await asyncio.gather(*tasks)
        return loop.time() - start

    async def closed_loop(self, kind: str, concurrency: int, seconds: float) -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        end = start + seconds

        async def client() -> None:
            while loop.time() < end:
                await self.one(kind, loop.time())

        await asyncio.gather(*(client() for _ in range(concurrency)))
        return loop.time() - start


def summarise(samples: list[Sample], seconds: float) -> dict[str, Any]:
    latencies = sorted(s.seconds for s in samples)
    errors = sum(1 for s in samples if not (200 <= s.status < 400))

    def pct(p: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    by_name: dict[str, list[float]] = {}
    for s in samples:
        by_name.setdefault(s.name, []).append(s.seconds)
    return {
        "requests": len(samples), "errors": errors, "seconds": seconds,
        "throughput": len(samples) / seconds if seconds else 0.0,
        "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
        "by_name": {n: {"count": len(v), "p95_ms": sorted(v)[min(len(v) - 1, int(0.95 * len(v)))] * 1000}
                    for n, v in sorted(by_name.items())},
        "errors_by": dict(sorted(Counter(f"{s.name} {s.status}" for s in samples
                                         if not (200 <= s.status < 400)).items())),
    }


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    load = Load(pool=Pool(spec["host"], spec["port"]), spec=spec, rng=random.Random(spec.get("seed", 1)))
    if any(p["kind"] != "bare" for p in spec["phases"]):
        await load.ensure_sessions()
    results: dict[str, Any] = {"sessions": load.sessions, "phases": {}}
    for phase in spec["phases"]:
        load.recording = False  # warm up: connections open, caches fill, nothing is counted
        if phase.get("warmup"):
            await load.closed_loop(phase["kind"], phase.get("concurrency", 8), phase["warmup"])
        load.recording, load.samples = True, []
        if phase["mode"] == "open":
            seconds = await load.open_loop(phase["kind"], phase["rate"], phase["seconds"])
        else:
            seconds = await load.closed_loop(phase["kind"], phase["concurrency"], phase["seconds"])
        results["phases"][phase["name"]] = summarise(load.samples, seconds)
    results["connections_opened"] = load.pool.opened
    return results


def main() -> None:
    spec = json.load(sys.stdin)
    started = time.perf_counter()
    results = asyncio.run(run(spec))
    results["wall_seconds"] = time.perf_counter() - started
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
