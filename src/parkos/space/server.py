"""The immersive map's websocket server: ``/ws/space/<map>/``.

A plain asyncio server (the ``websockets`` library) rather than a Channels consumer, because the map's
hot path is a frame per client per 100 ms tick: going through ASGI and a channel layer costs
milliseconds per group send, while here a tick is one ``World.tick()`` and one buffered write per
client. The web pages (Django) stay the source of truth for who may be where: a page hands the browser
a signed, short-lived **ticket** (``space.tickets``) naming the person, the areas they may enter and
whom they blocked; this server only checks the signature, so a connection costs no database query.

Per client the server keeps no queue: when a client's socket buffer is over ``SLOW_BYTES`` it skips
that client's frames and, once the buffer drains, sends a snapshot of what it can see now (the latest
state), so a slow phone never delays the others and never builds an ever-growing backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import struct
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State

from parkos.ops.metrics import MAP_CONNECTIONS
from parkos.space import media
from parkos.space.background import Backoff, TaskSet
from parkos.space.tiled import ParsedMap
from parkos.space.world import Avatar, Refusal, Rejected, World, typed_text

log = logging.getLogger("parkos.space")

TICK = 0.1
SLOW_BYTES = 64 * 1024
MAX_MESSAGE = 2048  # bytes; a bigger message closes the connection (1009) — nothing else is touched
MAX_ANNOUNCE = 500  # characters of an operator's announcement
MAX_STRIKES = 60  # refused intents per minute before the connection is closed (1008)
PRESENCE_TICKS = 5  # joins and leaves go out at most every 5 ticks (0.5 s): one event, shared by all
HELLO_TIMEOUT = 5.0
RESUME_SECONDS = 300  # a reconnect within this time puts the avatar back where it stood
PATH = re.compile(r"^/ws/space/(?P<slug>[a-z0-9-]{1,40})/$")
HEADER = struct.Struct("<I")
# Refusals that only a crafted or flooding client earns (bumping into a wall or a full room does not).
STRIKES = frozenset({Refusal.MALFORMED, Refusal.TOO_FAST, Refusal.TELEPORT, Refusal.OUTSIDE, Refusal.UNKNOWN,
                     Refusal.TOO_LONG})


GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc() -> None:
    """Keep the cyclic garbage collector off the tick's path.

    A tick allocates tens of thousands of short-lived tuples and bytes; with CPython's default
    thresholds (700, 10, 10) that triggers frequent full collections over every connection's objects,
    and each one stalls the loop: at 2,000 avatars ticks ran up to 150 ms late and p99 latency doubled
    (bench/space.py). Objects alive at start-up are frozen out of collection, and collections run
    rarely; almost nothing here forms cycles, so memory stays flat (measured as RSS in the benchmark)."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def encode(chunk: bytes, events: list[dict[str, Any]]) -> bytes:
    """One binary message per tick: u32 length of a JSON array of events, the JSON, then the moves."""
    body = json.dumps(events, ensure_ascii=False, separators=(",", ":")).encode() if events else b""
    return HEADER.pack(len(body)) + body + chunk


def ws_frame(payload: bytes) -> bytes:
    """A whole unmasked binary websocket frame (RFC 6455 §5.2), as a server sends it.

    Frames for the tick are written straight to the socket's transport: the ``websockets`` send path
    (a coroutine, a lock and a frame object per message) costs more than the rest of a tick, and
    everyone in one zone gets the very same bytes. The library still owns the handshake, pings,
    incoming frames and closing; a whole frame per ``transport.write`` keeps the stream well-formed."""
    n = len(payload)
    if n < 126:
        return bytes((0x82, n)) + payload
    if n < 65536:
        return struct.pack("!BBH", 0x82, 126, n) + payload
    return struct.pack("!BBQ", 0x82, 127, n) + payload


@dataclass(eq=False)
class Client:
    ws: ServerConnection
    avatar_id: int
    operator: bool = False
    stale: bool = False
    strikes: list[float] = field(default_factory=list)


class Runtime:
    """One map in this process: its world, its clients, its tick."""

    def __init__(self, slug: str, parsed: ParsedMap, *, clock: Callable[[], float] = time.monotonic,
                 tasks: TaskSet | None = None):
        self.slug = slug
        self.tasks = tasks if tasks is not None else TaskSet()
        # Bubbles are tracked for a media server only when one is registered (space.media).
        self.media = media.media_provider_get() is not None
        self.world = World(parsed, clock=clock, track_bubbles=self.media)
        self.clients: dict[int, Client] = {}
        self.last_seen: dict[int, tuple[float, int, int]] = {}
        self.banned: set[int] = set()
        self.ticks = 0
        self.sent = 0
        self.skipped = 0
        self.joins = 0
        self.lag_max = 0.0  # the latest a tick ran after its time (s), for the benchmark
        self.flush_seconds = 0.0
        self.leaves = 0
        self._task: asyncio.Task[None] | None = None
        self.bridge: Bridge | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = self.tasks.spawn(self._run(), name=f"tick:{self.slug}")

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            next_at += TICK
            started = loop.time()
            self.lag_max = max(self.lag_max, started - (next_at - TICK))
            try:
                await self.flush()
            except Exception:  # one bad frame must never stop the map
                log.exception("space tick failed")
            self.flush_seconds += loop.time() - started
            delay = next_at - loop.time()
            if delay < 0:  # overloaded: skip ahead rather than tick in a burst
                next_at = loop.time()
                delay = 0
            await asyncio.sleep(delay)

    async def flush(self) -> None:
        self.ticks += 1
        if self.bridge is not None:
            for uid in self.bridge.apply(self.world):
                displaced = self.clients.pop(uid, None)
                if displaced is not None:
                    self.tasks.spawn(displaced.ws.close(4000, "replaced"), name=f"close:{uid}")
        frames = self.world.tick()
        if self.bridge is not None:
            self.bridge.publish(self.world.outbox())
        # Who came and went: one event for every client (the "who is here" count and list stay live). It is
        # encoded once with each zone's chunk for everyone with nothing else to hear this tick.
        presence = self.world.presence_flush() if self.ticks % PRESENCE_TICKS == 0 else None
        shared: dict[int, bytes] = {}  # id(chunk) -> its framed bytes, for clients with no events
        shared_presence: dict[int, bytes] = {}  # id(chunk) -> framed with the presence event
        world = self.world
        for avatar_id, client in list(self.clients.items()):
            transport = client.ws.transport
            if transport is None or transport.is_closing() or client.ws.protocol.state is not State.OPEN:
                continue
            if transport.get_write_buffer_size() > SLOW_BYTES:
                client.stale = True
                self.skipped += 1
                continue
            frame = frames.get(avatar_id)
            if client.stale:
                client.stale = False
                avatar = world.avatars[avatar_id]
                frame = (b"", [*(frame[1] if frame else []), self.snapshot(avatar_id), world.presence_count(avatar)])
            elif presence is not None:
                chunk, events = frame if frame is not None else (b"", [])
                avatar = world.avatars[avatar_id]
                if events or avatar.blocked:
                    frame = (chunk, [*events, world.presence_for(avatar, presence)])
                else:  # the common case: the zone's chunk and the shared event, framed once
                    data = shared_presence.get(id(chunk))  # type: ignore[assignment]
                    if data is None:
                        data = shared_presence[id(chunk)] = ws_frame(encode(chunk, [presence]))
                    transport.write(data)
                    self.sent += 1
                    continue
            if frame is None:
                continue
            chunk, events = frame
            if events and self.media:
                media.join_info_attach(self.slug, avatar_id, events)
            if events:
                data = ws_frame(encode(chunk, events))
            else:
                data = shared.get(id(chunk))  # type: ignore[assignment]
                if data is None:
                    data = shared[id(chunk)] = ws_frame(HEADER.pack(0) + chunk)
            transport.write(data)
            self.sent += 1

    def snapshot(self, avatar_id: int) -> dict[str, Any]:
        avatar = self.world.avatars[avatar_id]
        return {"t": "snap", "list": [self.world.avatars[o].info() for o in self.world.visible_ids(avatar)]}

    # --- a connection's life ---------------------------------------------------------------------
    def join(self, client: Client, ticket: dict[str, Any]) -> None:
        uid = client.avatar_id
        old = self.clients.pop(uid, None)
        if old is not None:  # the same person in a second tab: the older socket goes
            self.tasks.spawn(old.ws.close(4000, "replaced"), name=f"close:{uid}")
        seen = self.last_seen.get(uid)
        at = (seen[1], seen[2]) if seen and time.monotonic() - seen[0] < RESUME_SECONDS else None
        # The ticket is signed by ParkOS from stored, validated fields; the caps only bound what a card may
        # carry (a display name longer than a card shows is shortened, as everywhere it is displayed).
        avatar = Avatar(uid, str(ticket.get("n", ""))[:60], enterprise=str(ticket.get("e", ""))[:80],
                        look=str(ticket.get("k", "0"))[:8], allowed_areas=frozenset(ticket.get("a", ())),
                        followable=bool(ticket.get("f", True)), blocked=set(ticket.get("b", ())),
                        in_park=bool(ticket.get("p")))
        self.world.join(avatar, at=at)  # blocking works both ways from the start (World.join)
        self.joins += 1
        self.clients[uid] = client
        self.start()

    def leave(self, client: Client) -> None:
        uid = client.avatar_id
        if self.clients.get(uid) is not client:
            return  # replaced by a newer tab
        del self.clients[uid]
        self.leaves += 1
        avatar = self.world.avatars.get(uid)
        if avatar is not None:
            self.last_seen[uid] = (time.monotonic(), avatar.x, avatar.y)
        self.world.leave(uid)

    def handle(self, client: Client, message: Any) -> None:
        """Apply one intent; a refusal goes back to the sender only, in its next frame."""
        uid = client.avatar_id
        try:
            if not isinstance(message, dict):
                raise Rejected(Refusal.MALFORMED)
            kind = message.get("t")
            if kind == "mv":
                self.world.move(uid, message.get("x"), message.get("y"), message.get("d", 0))
            elif kind == "say":
                self.world.say(uid, message.get("text"), scope=message.get("scope", "bubble"))
            elif kind == "st":
                self.world.set_status(uid, message.get("st"))
            elif kind == "lock":
                self.world.lock_bubble(uid, bool(message.get("on", True)))
            elif kind == "block":
                other = message.get("id")
                if not isinstance(other, int) or other == uid:
                    raise Rejected(Refusal.MALFORMED)
                self.world.block(uid, other)
            elif kind == "who":
                self.world._emit(uid, {"t": "who", "list": self.world.who(uid), "areas": self.world.zone_counts()})
            elif kind == "locate":
                x, y = self.world.locate(uid, message.get("id"))  # type: ignore[arg-type]
                self.world._emit(uid, {"t": "at", "id": message.get("id"), "x": x, "y": y})
            elif kind == "mod" and client.operator:
                self.moderate(uid, message)
            else:
                raise Rejected(Refusal.UNKNOWN)
        except Rejected as refused:
            self.world._emit(uid, {"t": "err", "code": refused.code, **refused.detail})
            if refused.code in STRIKES:
                self.strike(client)

    def strike(self, client: Client) -> None:
        now = time.monotonic()
        client.strikes = [t for t in client.strikes if now - t < 60] + [now]
        if len(client.strikes) > MAX_STRIKES:
            self.tasks.spawn(client.ws.close(1008, "too many refused messages"), name=f"close:{client.avatar_id}")

    def moderate(self, uid: int, message: dict[str, Any]) -> None:
        action, target = message.get("action"), message.get("id")
        if action == "announce":
            text = typed_text(message.get("text"), limit=MAX_ANNOUNCE)  # refused, never cut
            self.world.announce(text, by=self.world.avatars[uid].name)
            return
        if not isinstance(target, int) or target not in self.world.avatars:
            raise Rejected(Refusal.NOT_FOUND)
        if action == "mute":
            self.world.muted.add(target)
            self.world._emit(target, {"t": "muted"})
        elif action == "unmute":
            self.world.muted.discard(target)
        elif action in ("remove", "ban"):
            if action == "ban":
                self.banned.add(target)
                if self.on_ban is not None:  # written in the background; a failure is logged (TaskSet)
                    self.tasks.spawn(self.on_ban(self.slug, target, uid), name=f"ban:{self.slug}:{target}")
            victim = self.clients.get(target)
            if victim is not None:
                self.tasks.spawn(victim.ws.close(4003, action), name=f"close:{target}")
        else:
            raise Rejected(Refusal.UNKNOWN)

    on_ban: Callable[[str, int, int], Coroutine[Any, Any, None]] | None = None


class Bridge:
    """Scale-out: the nodes serving one map mirror each other's avatars through Redis pub/sub.

    Each node stays authoritative for the avatars connected to it (it checks their moves) and, once per
    tick, publishes one message with what they did (binary move records, changed cards, events for
    avatars held elsewhere); the other nodes mirror it into their own world, where their clients see
    it through the same interest filter. The hot path never crosses nodes per move or per viewer.
    A node announces itself (``hello``) when it opens a map; the others forget what they mirrored of it
    and answer with their avatars' cards, and it sends its own. It beats every second; a node silent for
    ``NODE_TIMEOUT`` seconds is forgotten with its avatars.
    Room capacity across nodes holds within a tick (each node counts the mirrored avatars too).

    Redis may go away: the listener is supervised (``listen``). On a failure it logs once, waits with a
    capped, jittered exponential backoff, subscribes again and says hello again; the mirrors it held are
    dropped and rebuilt from the cards that answer, so nothing stale or lost during the outage stays.
    Publishing never blocks the tick: one sender task drains what the ticks queued, and drops it while
    Redis is unreachable (the hello after reconnecting carries the state that matters)."""

    NODE_TIMEOUT = 5.0
    MAX_QUEUED = 50  # ticks of messages kept while a publish is slow; older ones are dropped

    def __init__(self, url: str, slug: str, node: str, *, tasks: TaskSet | None = None):
        import redis.asyncio as redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        # No retries inside the client: this class owns reconnecting (with backoff, logged once).
        self.redis = redis.from_url(url, retry=Retry(NoBackoff(), 0), socket_connect_timeout=2.0)
        self.channel = f"parkos:space:{slug}"
        self.node = node
        self.tasks = tasks if tasks is not None else TaskSet()
        self.inbox: list[tuple[str, dict[str, Any]]] = []
        self.seen: dict[str, float] = {}
        self.beat_at = 0.0
        self.send_cards = True  # on start: say hello with our (empty) world, ask for theirs
        self.pending_cards: list[dict[str, Any]] = []
        self.connected = asyncio.Event()  # set while subscribed (tests and the benchmark wait on it)
        self.reconnects = 0
        self._reset = False  # set by the listener after a reconnect: the next tick drops all mirrors
        self._queue: list[bytes] = []
        self._wake = asyncio.Event()
        self._failing: dict[str, bool] = {"listen": False, "publish": False}

    async def start(self) -> None:
        self.tasks.spawn(self.listen(), name=f"redis-listen:{self.channel}")
        self.tasks.spawn(self._sender(), name=f"redis-publish:{self.channel}")

    async def listen(self) -> None:
        """Subscribe and mirror what the other nodes say, for as long as the map is served."""
        backoff = Backoff()
        first = True
        while True:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                await self._hello()
                if not first:
                    self._reset = True
                    self.reconnects += 1
                first = False
                self._recovered("listen", backoff)
                self.connected.set()
                await self._receive(pubsub)
                raise ConnectionError("the subscription ended")
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.connected.clear()
                self._failed("listen", error)
            finally:
                with contextlib.suppress(Exception):  # the connection is gone already: nothing to close
                    await pubsub.aclose()
            await asyncio.sleep(backoff.next_delay())

    async def _hello(self) -> None:
        import msgpack

        await self.redis.publish(self.channel, msgpack.packb([self.node, {"hello": 1}]))

    async def _receive(self, pubsub: Any) -> None:
        import msgpack

        async for message in pubsub.listen():
            if message.get("type") != "message":
                continue
            try:
                node, batch = msgpack.unpackb(message["data"], raw=False)
            except (ValueError, TypeError):
                continue
            if node != self.node:
                self.inbox.append((node, batch))

    def _failed(self, what: str, error: BaseException) -> None:
        """Log the first failure of an outage (with its cause); the retries after it stay quiet."""
        if not self._failing[what]:
            self._failing[what] = True
            log.warning("space: Redis %s failed for %s (%s: %s); retrying with backoff", what, self.channel,
                        type(error).__name__, error)
        else:
            log.debug("space: Redis %s still failing for %s: %s", what, self.channel, error)

    def _recovered(self, what: str, backoff: Backoff | None = None) -> None:
        if self._failing[what]:
            self._failing[what] = False
            log.warning("space: Redis %s for %s works again", what, self.channel)
        if backoff is not None:
            backoff.reset()

    def apply(self, world: World) -> list[int]:
        displaced: list[int] = []
        if self._reset:  # reconnected: what we mirrored may be stale; the cards that answer our hello rebuild it
            self._reset = False
            for node in list(self.seen):
                world.forget_node(node)
            self.seen.clear()
            self.send_cards = True
        inbox, self.inbox = self.inbox, []
        now = time.monotonic()
        for node, batch in inbox:
            self.seen[node] = now
            if batch.get("hello"):
                # A node has just opened this map, or came back after losing Redis: drop what we mirrored of
                # it (its cards follow) and tell it who is here.
                world.forget_node(node)
                self.send_cards = True
            displaced += world.apply(node, batch)
        for node, last in list(self.seen.items()):
            if now - last > self.NODE_TIMEOUT:
                del self.seen[node]
                world.forget_node(node)
        if self.send_cards:
            self.send_cards = False
            self.pending_cards = world.local_cards()
        return displaced

    def publish(self, batch: dict[str, Any] | None) -> None:
        import msgpack

        cards = self.pending_cards
        if cards:
            self.pending_cards = []
            batch = batch or {"m": b"", "c": [], "e": {}}
            batch["c"] = [*cards, *batch["c"]]
        now = time.monotonic()
        if batch is None:
            if now - self.beat_at < 1.0:
                return
            batch = {}
        self.beat_at = now
        queue = self._queue
        if len(queue) >= self.MAX_QUEUED:
            del queue[0]
        queue.append(msgpack.packb([self.node, batch], use_bin_type=True))
        self._wake.set()

    async def _sender(self) -> None:
        """Publish what the ticks queued, in order; while Redis is unreachable, drop it (logged once)."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            queue, self._queue = self._queue, []
            try:
                for data in queue:
                    await self.redis.publish(self.channel, data)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self._failed("publish", error)
                continue
            self._recovered("publish")


class SpaceServer:
    """Accepts connections, checks the ticket, and hands each client to its map's runtime."""

    def __init__(self, *, load_map: Callable[[str], Awaitable[ParsedMap | None]],
                 check_ticket: Callable[[str], dict[str, Any] | None],
                 allowed_origins: Callable[[str], bool] = lambda origin: True,
                 on_ban: Callable[[str, int, int], Coroutine[Any, Any, None]] | None = None,
                 redis_url: str = ""):
        import uuid

        self.tasks = TaskSet()  # every task nobody awaits: kept until it ends, its failure logged
        self.on_ban = on_ban
        self.redis_url = redis_url
        self.node = uuid.uuid4().hex[:12]
        self.load_map = load_map
        self.check_ticket = check_ticket
        self.allowed_origins = allowed_origins
        self.runtimes: dict[str, Runtime] = {}
        self._loading: dict[str, asyncio.Lock] = {}

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if not PATH.match(request.path.split("?")[0]):
            return connection.respond(404, "Not found\n")
        origin = request.headers.get("Origin")
        if origin is not None and not self.allowed_origins(origin):
            return connection.respond(403, "Origin not allowed\n")
        return None

    async def runtime(self, slug: str) -> Runtime | None:
        if slug in self.runtimes:
            return self.runtimes[slug]
        lock = self._loading.setdefault(slug, asyncio.Lock())
        async with lock:
            if slug not in self.runtimes:
                parsed = await self.load_map(slug)
                if parsed is None:
                    return None
                runtime = Runtime(slug, parsed, tasks=self.tasks)
                runtime.on_ban = self.on_ban
                if self.redis_url:
                    runtime.bridge = Bridge(self.redis_url, slug, self.node, tasks=self.tasks)
                    await runtime.bridge.start()
                    runtime.start()  # mirror other nodes even before anyone connects here
                self.runtimes[slug] = runtime
        return self.runtimes[slug]

    async def handler(self, ws: ServerConnection) -> None:
        match = PATH.match(ws.request.path.split("?")[0]) if ws.request else None
        if match is None:
            await ws.close(1008, "bad path")
            return
        try:
            hello = json.loads(await asyncio.wait_for(ws.recv(), HELLO_TIMEOUT))
            ticket = self.check_ticket(hello.get("ticket", "")) if isinstance(hello, dict) else None
        except (TimeoutError, ValueError, ConnectionClosed):
            ticket = None
        if ticket is None or ticket.get("m") != match["slug"]:
            await ws.close(4001, "ticket")
            return
        runtime = await self.runtime(match["slug"])
        if runtime is None:
            await ws.close(4004, "no such map")
            return
        uid = int(ticket["u"])
        if uid in runtime.banned:
            await ws.close(4003, "banned")
            return
        client = Client(ws, uid, operator=bool(ticket.get("op")))
        runtime.join(client, ticket)
        connections = MAP_CONNECTIONS.labels(match["slug"])  # the open connections in /metrics
        connections.inc()
        try:
            async for raw in ws:
                try:
                    message = json.loads(raw)
                except ValueError:
                    runtime.world._emit(uid, {"t": "err", "code": Refusal.MALFORMED})
                    runtime.strike(client)
                    continue
                runtime.handle(client, message)
        except ConnectionClosed:
            pass
        finally:
            connections.dec()
            runtime.leave(client)

    async def serve(self, host: str, port: int, *, ready: Callable[[], None] | None = None) -> None:
        tune_gc()
        async with serve(self.handler, host, port, process_request=self.process_request, max_size=MAX_MESSAGE,
                         compression=None, ping_interval=5, ping_timeout=5, max_queue=16) as server:
            if ready is not None:
                ready()
            try:
                await server.serve_forever()
            finally:
                await self.tasks.cancel()
