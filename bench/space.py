"""Immersive map benchmark: movement latency to every avatar that can see it, against a naive relay.

    python -m bench.space                    # 250, 500, 1,000, 2,000, 3,000 avatars, ParkOS and the baseline
    python -m bench.space --sizes 500 --json
    python -m bench.space --smoke            # 100 avatars, a few seconds (CI)

For each size, a map of ~32 tiles per avatar (Gather's density guidance) with a few walled buildings
is generated; the server runs in its own process; bot clients run in separate processes (two), each
walking two steps a second with pauses, chatting now and then and wandering between points of the map.
Latency is measured from a move being sent to its arrival at each other bot of the same bot process
that received it (CLOCK_MONOTONIC is system-wide, so a bot process times its own bots' moves).
Only move records count (ParkOS op 1): when someone comes into view ParkOS also tells the viewer where
they already stand (op 3, a position that may be seconds old); that is not a move's delivery, and the
relay, which never introduces anyone, has no such records.
Reported: p50/p99 latency, frames and moves delivered per second, server CPU (% of one core) and RSS.

The baseline (same run, same bots): a minimal raw-websocket relay (``websockets``) doing the same
interest filter (3 × 3 zones of 10 tiles) and 100 ms batching, with a JSON array per client per tick —
what the issue calls a naive relay. ParkOS runs ``parkos.space.server`` with its real world engine
(collision, speed, access and rate checks) and binary frames.
Budget (DESIGN.md): ≥ 1,000 avatars at p99 ≤ 250 ms on one node, bots on the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BUDGET_P99 = 250.0
REPS = 1  # in `python -m bench`: ten server runs of half a minute each are one repetition already
SECRET = "bench-space-secret"


# --- the map -----------------------------------------------------------------------------------
def make_map(avatars: int, seed: int = 7) -> dict[str, Any]:
    side = max(30, int((32 * avatars) ** 0.5))
    rng = random.Random(seed)
    walls = [0] * (side * side)
    # Buildings: hollow rectangles with a door, about a tenth of the area.
    for _ in range(max(2, side * side // 900)):
        w, h = rng.randint(5, 10), rng.randint(5, 10)
        x0, y0 = rng.randint(2, side - w - 2), rng.randint(2, side - h - 2)
        for x in range(x0, x0 + w):
            walls[y0 * side + x] = walls[(y0 + h - 1) * side + x] = 2
        for y in range(y0, y0 + h):
            walls[y * side + x0] = walls[y * side + x0 + w - 1] = 2
        walls[(y0 + h - 1) * side + x0 + w // 2] = 0  # the door
    walls[1 * side + 1] = 0
    return {"type": "map", "orientation": "orthogonal", "infinite": False, "width": side, "height": side,
            "tilewidth": 32, "tileheight": 32,
            "tilesets": [{"firstgid": 1, "name": "t", "image": "t.png", "tilewidth": 32, "tileheight": 32,
                          "tilecount": 2, "columns": 2, "imagewidth": 64, "imageheight": 32}],
            "layers": [{"type": "tilelayer", "name": "ground", "width": side, "height": side, "data": [1] * side * side},
                       {"type": "tilelayer", "name": "walls", "width": side, "height": side, "data": walls,
                        "properties": [{"name": "collides", "type": "bool", "value": True}]},
                       {"type": "objectgroup", "name": "areas", "objects": [
                           {"id": 1, "name": "spawn", "x": 64, "y": 64, "width": (side - 4) * 32,
                            "height": (side - 4) * 32}]}]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- servers -------------------------------------------------------------------------------------
def serve_parkos(map_path: Path, port: int) -> None:
    from django.conf import settings

    if not settings.configured:
        settings.configure(SECRET_KEY=SECRET, USE_I18N=False)
    from parkos.space.server import SpaceServer
    from parkos.space.tiled import parse

    parsed = parse(map_path.read_text())

    async def load_map(slug: str) -> Any:
        return parsed

    def check_ticket(ticket: str) -> dict[str, Any] | None:
        from parkos.space.tickets import ticket_read

        return ticket_read(ticket)

    server = SpaceServer(load_map=load_map, check_ticket=check_ticket)
    coro = server.serve("127.0.0.1", port, ready=lambda: print("ready", flush=True))
    started = time.monotonic()

    def report(*_a: Any) -> None:
        for rt in server.runtimes.values():
            took = time.monotonic() - started
            sys.stderr.write(f"server: {rt.ticks / took:.1f} ticks/s, {rt.sent / took:.0f} frames/s, "
                             f"{rt.skipped / took:.0f} skipped/s, {len(rt.clients)} clients, "
                             f"{len(rt.world.avatars)} avatars, joins {rt.joins}, leaves {rt.leaves}, "
                             f"tick lag max {rt.lag_max * 1000:.0f} ms, flush {rt.flush_seconds * 1000 / max(1, rt.ticks):.1f} ms/tick\n")
        os._exit(0)

    signal.signal(signal.SIGTERM, report)
    if os.environ.get("BENCH_SPACE_PROFILE"):  # python -m bench.space with this set: cProfile the server
        import cProfile

        profile = cProfile.Profile()
        def stop(*_a: Any) -> None:
            profile.disable()
            profile.dump_stats(os.environ["BENCH_SPACE_PROFILE"])
            report()

        signal.signal(signal.SIGTERM, stop)
        profile.enable()
    import uvloop

    uvloop.run(coro)  # as `parkos space-serve` runs it


def serve_baseline(map_path: Path, port: int) -> None:
    """The naive relay: trusts every move, JSON per client per tick, same interest filter and tick."""
    from websockets.asyncio.server import serve

    data = json.loads(map_path.read_text())
    del data  # the relay checks nothing against the map
    pos: dict[int, tuple[int, int]] = {}
    conns: dict[int, Any] = {}
    pending: dict[tuple[int, int], list[list[int]]] = defaultdict(list)

    async def handler(ws: Any) -> None:
        hello = json.loads(await ws.recv())
        uid = int(hello["id"])
        conns[uid] = ws
        pos[uid] = (int(hello["x"]), int(hello["y"]))
        try:
            async for raw in ws:
                m = json.loads(raw)
                if m.get("t") == "mv":
                    x, y = int(m["x"]), int(m["y"])
                    pos[uid] = (x, y)
                    pending[(x // 10, y // 10)].append([uid, x, y])
        except Exception:
            pass
        finally:
            conns.pop(uid, None)
            pos.pop(uid, None)

    async def tick() -> None:
        nonlocal pending
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            next_at += 0.1
            moves, pending = pending, defaultdict(list)
            if moves:
                for uid, ws in list(conns.items()):
                    x, y = pos.get(uid, (0, 0))
                    zx, zy = x // 10, y // 10
                    out = [m for dy in (-1, 0, 1) for dx in (-1, 0, 1) for m in moves.get((zx + dx, zy + dy), ())]
                    if out:
                        with contextlib.suppress(Exception):
                            await ws.send(json.dumps(out))
            await asyncio.sleep(max(0.0, next_at - loop.time()))

    async def main() -> None:
        async with serve(handler, "127.0.0.1", port, compression=None, max_size=2048):
            print("ready", flush=True)
            await tick()

    asyncio.run(main())


# --- bots ----------------------------------------------------------------------------------------
def run_bots(port: int, impl: str, first: int, count: int, seconds: float, warmup: float, side: int,
             out: Path) -> None:
    from websockets.asyncio.client import connect

    ticket_for = None
    if impl == "parkos":
        from django.conf import settings

        settings.configure(SECRET_KEY=SECRET, USE_I18N=False)
        from parkos.space.tickets import ticket_make

        def ticket_for(uid: int) -> str:
            return ticket_make(user_id=uid, name=f"bot{uid}", map_slug="bench")

    sent: dict[tuple[int, int, int], float] = {}
    latencies: list[float] = []
    counters = {"frames": 0, "moves": 0, "refused": 0, "says": 0}
    measuring = {"on": False}
    move = struct.Struct("<BIHHB")

    def record(uid: int, x: int, y: int, now: float) -> None:
        t = sent.get((uid, x, y))
        if t is not None and measuring["on"]:
            latencies.append((now - t) * 1000)

    async def bot(uid: int, rng: random.Random) -> None:
        url = f"ws://127.0.0.1:{port}/ws/space/bench/"
        await asyncio.sleep(rng.random() * 3)
        target: list[int | None] = [1]
        async with connect(url, compression=None, max_size=None, open_timeout=60, ping_interval=None) as ws:
            if impl == "parkos":
                assert ticket_for is not None
                await ws.send(json.dumps({"t": "hello", "ticket": ticket_for(uid)}))
            x, y = rng.randrange(2, side - 2), rng.randrange(2, side - 2)
            if impl != "parkos":  # the relay trusts the client's start; ParkOS places it (spawn area)
                await ws.send(json.dumps({"id": uid, "x": x, "y": y}))

            async def reader() -> None:
                nonlocal x, y
                async for msg in ws:
                    now = time.monotonic()
                    counters["frames"] += 1
                    if impl == "parkos":
                        assert isinstance(msg, bytes)
                        n = int.from_bytes(msg[:4], "little")
                        if n:
                            for e in json.loads(msg[4:4 + n]):
                                if e.get("t") == "err":
                                    counters["refused"] += 1
                                    if "x" in e:  # bumped into a wall: back to where it stands, new goal
                                        x, y = e["x"], e["y"]
                                        target[0] = None
                                elif e.get("t") == "you":
                                    x, y = e["x"], e["y"]
                        for op, mid, mx, my, _d in move.iter_unpack(msg[4 + n:]):
                            if op == 1:
                                counters["moves"] += 1
                                if mid != uid:
                                    record(mid, mx, my, now)
                    else:
                        for mid, mx, my in json.loads(msg):
                            counters["moves"] += 1
                            if mid != uid:
                                record(mid, mx, my, now)

            task = asyncio.create_task(reader())
            await asyncio.sleep(0.3)  # ParkOS says where the avatar appeared ("you") in its first frame
            tx, ty = rng.randrange(2, side - 2), rng.randrange(2, side - 2)
            try:
                while True:
                    # Walk towards a target two steps a second for a while, then pause.
                    for _ in range(rng.randint(6, 16)):
                        if (x, y) == (tx, ty) or target[0] is None:
                            target[0] = 1
                            tx, ty = rng.randrange(2, side - 2), rng.randrange(2, side - 2)
                        nx = x + (tx > x) - (tx < x)
                        ny = y + (ty > y) - (ty < y)
                        if rng.random() < 0.1:
                            tx, ty = rng.randrange(2, side - 2), rng.randrange(2, side - 2)
                        x, y = nx, ny
                        sent[(uid, x, y)] = time.monotonic()
                        await ws.send(json.dumps({"t": "mv", "x": x, "y": y, "d": 0}))
                        await asyncio.sleep(0.5)
                    if impl == "parkos" and rng.random() < 0.2:
                        counters["says"] += 1
                        await ws.send(json.dumps({"t": "say", "text": "你好，一起喝杯咖啡？"}))
                    await asyncio.sleep(rng.uniform(1.0, 4.0))
            finally:
                task.cancel()

    async def main() -> None:
        rng = random.Random(first)
        tasks = [asyncio.create_task(bot(first + i, random.Random(rng.random()))) for i in range(count)]
        await asyncio.sleep(warmup)
        measuring["on"] = True
        start = dict(counters)
        started = time.monotonic()
        cpu0 = time.process_time()
        await asyncio.sleep(seconds)
        elapsed = time.monotonic() - started
        bot_cpu = 100 * (time.process_time() - cpu0) / elapsed
        measuring["on"] = False
        result = {"latencies": latencies, "seconds": elapsed, "cpu": bot_cpu,
                  **{k: (counters[k] - start[k]) / elapsed for k in ("frames", "moves", "refused")},
                  "connected": sum(not t.done() for t in tasks),
                  "errors": [repr(t.exception()) for t in tasks if t.done() and t.exception()][:3]}
        out.write_text(json.dumps(result))
        os._exit(0)

    import uvloop  # the same fast loop for both servers' bots

    uvloop.run(main())


# --- one measurement -----------------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(impl: str, avatars: int, *, seconds: float, warmup: float, procs: int = 2) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-space-"))
    data = make_map(avatars)
    map_path = tmp / "map.json"
    map_path.write_text(json.dumps(data))
    port = free_port()
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}"}
    server = subprocess.Popen([PYTHON, "-m", "bench.space", "serve", impl, str(map_path), str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        if server.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{impl} server did not start")
        outs, bots = [], []
        share = avatars // procs
        for p in range(procs):
            out = tmp / f"bots{p}.json"
            outs.append(out)
            count = share if p < procs - 1 else avatars - share * (procs - 1)
            bots.append(subprocess.Popen(
                [PYTHON, "-m", "bench.space", "bots", impl, str(port), str(1 + p * share), str(count),
                 str(seconds), str(warmup), str(data["width"]), str(out)], cwd=ROOT, env=env))
        time.sleep(warmup)
        cpu0, t0 = cpu_seconds(server.pid), time.monotonic()
        time.sleep(seconds)
        cpu = 100 * (cpu_seconds(server.pid) - cpu0) / (time.monotonic() - t0)
        rss = rss_mb(server.pid)
        for b in bots:
            b.wait(timeout=seconds + warmup + 120)
        results = [json.loads(o.read_text()) for o in outs]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    lat = sorted(v for r in results for v in r["latencies"])

    def pct(q: float) -> float:
        return lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")

    return {"impl": impl, "avatars": avatars, "side": data["width"], "samples": len(lat),
            "p50_ms": pct(0.50), "p99_ms": pct(0.99), "mean_ms": statistics.fmean(lat) if lat else float("nan"),
            "frames_per_s": sum(r["frames"] for r in results), "moves_per_s": sum(r["moves"] for r in results),
            "refused_per_s": sum(r["refused"] for r in results),
            "connected": sum(r["connected"] for r in results), "errors": [e for r in results for e in r["errors"]],
            "server_cpu_pct": cpu, "server_rss_mb": rss, "bots_cpu_pct": [round(r["cpu"]) for r in results]}


def run(sizes: list[int], *, seconds: float, warmup: float) -> dict[str, Any]:
    rows = []
    for n in sizes:
        for impl in ("parkos", "baseline"):
            sys.stderr.write(f"bench.space: {impl}, {n} avatars\n")
            rows.append(measure(impl, n, seconds=seconds, warmup=warmup))
    best = {impl: max([r["avatars"] for r in rows if r["impl"] == impl and r["p99_ms"] <= BUDGET_P99] or [0])
            for impl in ("parkos", "baseline")}
    return {"rows": rows, "max_avatars_within_budget": best, "seconds": seconds}


def figures(result: dict[str, Any]) -> list[Any]:
    from bench.report import Budget, Figure

    out = []
    for r in result["rows"]:
        key = f"space.{r['impl']}.{r['avatars']}"
        label = f"{r['impl']}, {r['avatars']:,} avatars"
        for what, unit, value, budget in (
                ("p50", "ms", r["p50_ms"], None),
                ("p99", "ms", r["p99_ms"], Budget("<=", BUDGET_P99, "p99 ≤ 250 ms") if r["impl"] == "parkos" else None),
                ("moves", "moves/s", r["moves_per_s"], None),
                ("cpu", "% core", r["server_cpu_pct"], None),
                ("rss", "MB", r["server_rss_mb"], None)):
            f = Figure(f"{key}.{what}", "space", f"{label}: {what}", unit, budget)
            f.add(value)
            out.append(f)
    best = result["max_avatars_within_budget"]
    f = Figure("space.max", "space", "most avatars at p99 ≤ 250 ms: ParkOS / baseline", "avatars",
               Budget(">=", 1000, "≥ 1,000"))
    f.add(best["parkos"])
    out.append(f)
    f = Figure("space.max.baseline", "space", "most avatars at p99 ≤ 250 ms: baseline", "avatars")
    f.add(best["baseline"])
    out.append(f)
    return out


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        (serve_parkos if sys.argv[2] == "parkos" else serve_baseline)(Path(sys.argv[3]), int(sys.argv[4]))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "bots":
        impl, port, first, count, seconds, warmup, side, out = sys.argv[2:10]
        run_bots(int(port), impl, int(first), int(count), float(seconds), float(warmup), int(side), Path(out))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.space", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="250,500,1000,2000,3000")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=8.0)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--db", help="ignored (the map benchmark needs no park data)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.smoke:
        args.sizes, args.seconds, args.warmup = "100", 4.0, 4.0
    result = run([int(s) for s in args.sizes.split(",")], seconds=args.seconds, warmup=args.warmup)
    if args.json:
        print(json.dumps(result))
        return 0
    from bench.report import table

    print(table(figures(result)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
