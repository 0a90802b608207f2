"""Demo gates and time in the park, for both demo parks (main 中关村智造园 and yizhuang 亦庄创新港).

Each building gets its lobby (with its opening hours) and gates: an in gate, an out gate, and at A1 and
Y1 a face-recognition gate supplied by a tenant (members' feedback on the gate page reaches it). Every
gate has one device key, a fixed DEMO-ONLY constant (``DEMO_DEVICE_KEYS``, cited by the README) so a
device simulator can post without an operator issuing a key first. About a hundred members get cards
(and some face tokens), and three weeks of their passages, up to now, go through the real ingestion
service, so their daily presence, late nights and "in the park today" are what ingestion makes of
them. The main park also gets visitor invitations (one for today, one cancelled), a blocklist entry
and the example temperature-screening app.

Idempotent: rows are keyed by natural keys (area and gate names, card numbers, device-key hashes,
passage event ids, the visitor's name and host), so a second run the same day adds nothing."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from parkos.access.models import Area, BlockedVisitor, Credential, DeviceKey, Gate, VisitorPass
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.enterprises.models import Building, Enterprise

# Opening hours of each demo building's lobby: (opens, closes, open on weekends); None: all day.
LOBBY_HOURS: dict[str, tuple[dt.time | None, dt.time | None, bool]] = {
    "A1": (dt.time(6, 30), dt.time(23, 30), True), "A2": (dt.time(7, 0), dt.time(23, 0), True),
    "B1": (dt.time(7, 0), dt.time(22, 0), False), "B2": (dt.time(7, 0), dt.time(23, 30), True),
    "C1": (None, None, True),  # the talent apartments: residents come and go at any hour
    "C2": (dt.time(8, 0), dt.time(21, 0), False),
    "Y1": (dt.time(7, 0), dt.time(23, 0), True), "Y2": (dt.time(7, 30), dt.time(22, 0), False),
}
FLOOR_AREA_PER_FLOOR = 1_800  # m² per floor, for buildings the demo made without a floor area
FACE_BUILDINGS = {"A1", "Y1"}  # each with a tenant's face gate
IN_GATE, OUT_GATE, FACE_GATE = "1号闸机（进）", "2号闸机（出）", "人脸识别闸机"

# DEMO ONLY: each demo gate's device key, "<park code>/<building code>/<gate>" -> key. Published on purpose
# (the README cites them for a device simulator); a real gate's key is issued by an operator and shown once.
DEMO_DEVICE_KEYS: dict[str, str] = {
    f"{park}/{code}/{gate}": f"dev_DEMO-ONLY-{park}-{code}-{n}"
    for park, codes in (("main", ("A1", "A2", "B1", "B2", "C1", "C2")), ("yizhuang", ("Y1", "Y2")))
    for code in codes
    for n, gate in enumerate((IN_GATE, OUT_GATE, FACE_GATE), start=1)
    if gate != FACE_GATE or code in FACE_BUILDINGS
}

N_MEMBERS = 100  # demo members with a card and three weeks of passages (besides the demo logins)
WEEKS = 3
BLOCKED_MOBILE = "13900000001"


def demo_card(n: int) -> str:
    """The card number of the n-th demo card holder (stable across databases)."""
    return f"86{n:08d}"


def _key_hash(raw: str) -> str:
    from parkos.access.services.gates import key_hash

    return key_hash(raw)


def _lobbies(park: Park, code_prefix: str) -> dict[str, dict[str, Gate]]:
    """The park's lobbies and gates (made when missing), by building code and gate name."""
    from parkos.access.services.gates import KEY_PREFIX

    assert all(k.startswith(KEY_PREFIX) for k in DEMO_DEVICE_KEYS.values())
    out: dict[str, dict[str, Gate]] = {}
    for building in Building.objects.filter(park=park).order_by("code"):
        if building.code not in LOBBY_HOURS:
            continue
        if building.floor_area_m2 is None:
            Building.objects.filter(pk=building.pk).update(floor_area_m2=building.floors * FLOOR_AREA_PER_FLOOR)
        opens, closes, weekends = LOBBY_HOURS[building.code]
        area, _created = Area.objects.get_or_create(park=park, name=f"{building.code} 大堂", defaults={
            "building": building, "opens_at": opens, "closes_at": closes, "open_on_weekends": weekends})
        gates: dict[str, Gate] = {}
        for name in (IN_GATE, OUT_GATE, FACE_GATE):
            key = DEMO_DEVICE_KEYS.get(f"{code_prefix}/{building.code}/{name}")
            if key is None:
                continue
            direction = {IN_GATE: Gate.Directions.IN, OUT_GATE: Gate.Directions.OUT}.get(name, Gate.Directions.BOTH)
            vendor = _face_vendor(park) if name == FACE_GATE else None
            gate, _created = Gate.objects.get_or_create(area=area, name=name, defaults={
                "park": park, "direction": direction, "vendor_enterprise": vendor})
            if not DeviceKey.objects.filter(key_hash=_key_hash(key)).exists():
                DeviceKey.objects.create(gate=gate, prefix=key[:12], key_hash=_key_hash(key))
            gates[name] = gate
        out[building.code] = gates
    return out


def _face_vendor(park: Park) -> Enterprise | None:
    """The tenant whose face gate it is: 思灵机器人 in the main park, a robotics or AI tenant in yizhuang."""
    tenants = Enterprise.objects.filter(park=park).order_by("pk")
    return (tenants.filter(short_name="思灵机器人").first()
            or tenants.filter(industry__code__startswith="robotics").first()
            or tenants.filter(industry__code__startswith="ai").first() or tenants.first())


def _card(operator: Any, park: Park, user: Any, n: int) -> None:
    from parkos.access.services.credentials import credential_hash, credential_issue

    number = demo_card(n)
    if not Credential.objects.filter(park=park, kind=Credential.Kind.CARD,
                                     value_hash=credential_hash(Credential.Kind.CARD, number)).exists():
        # Valid since the member joined: the three weeks of passages below happened with this card.
        credential_issue(actor=operator, park=park, user=user, kind=Credential.Kind.CARD, value=number,
                         valid_from=user.date_joined)


def _face(operator: Any, park: Park, user: Any, n: int) -> str:
    from parkos.access.services.credentials import credential_hash, credential_issue

    token = f"FACE-DEMO-{n:06d}"
    if not Credential.objects.filter(park=park, kind=Credential.Kind.FACE,
                                     value_hash=credential_hash(Credential.Kind.FACE, token)).exists():
        credential_issue(actor=operator, park=park, user=user, kind=Credential.Kind.FACE, value=token, label="旷视",
                         valid_from=user.date_joined)
    return token


def _at(day: dt.date, hours: float) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(0))) + dt.timedelta(seconds=round(hours * 3600))


def _day_moves(rng: random.Random, day: dt.date, *, regular: bool, late_share: float) -> list[tuple[dt.datetime, str]]:
    """One member's passages on one day (time, direction): arrival and departure, a lunch outside on some
    days, a late night now and then, a missing exit or entry on a few days; weekends rarely."""
    working = day.weekday() < 5
    if not (rng.random() < (0.88 if working else 0.08) or regular):
        return []
    if working:
        arrive, depart = rng.uniform(8.2, 10.0), rng.uniform(17.5, 19.6)
        if rng.random() < late_share:
            depart = rng.uniform(21.2, 22.8)
    else:
        arrive = rng.uniform(10.0, 13.0)
        depart = arrive + rng.uniform(2.0, 5.0)
    moves = [(_at(day, arrive), "in")]
    if working and rng.random() < 0.3:
        out = rng.uniform(11.8, 12.4)
        moves += [(_at(day, out), "out"), (_at(day, out + rng.uniform(0.6, 1.1)), "in")]
    moves.append((_at(day, depart), "out"))
    roll = rng.random()
    if roll < 0.03:
        moves.pop()  # tailgated out: the exit was never read
    elif roll < 0.045:
        moves.pop(0)  # someone held the door: the entry was never read
    return moves


def _passages(ctx: Any, park: Park, code_prefix: str, lobbies: dict[str, dict[str, Gate]],
              holders: list[tuple[Any, int, bool]]) -> int:
    """Three weeks of the holders' passages up to now, posted gate by gate through passages_ingest (as
    each gate's device would, in batches). Returns how many were accepted."""
    from parkos.access.services.passages import MAX_BATCH, passages_ingest

    rng = random.Random(f"{ctx.rng('access').random()}:{code_prefix}")
    now = timezone.now()
    today = timezone.localdate()
    buildings = {b.pk: b.code for b in Building.objects.filter(park=park)}
    employer = dict(Enterprise.objects.filter(park=park).values_list("pk", "building_id"))
    from parkos.enterprises.selectors import employer_of

    by_gate: dict[int, list[dict[str, Any]]] = {}
    gates = {g.pk: g for gs in lobbies.values() for g in gs.values()}
    first = sorted(lobbies)[0]
    for user, n, face in holders:
        enterprise = employer_of(user)
        code = buildings.get(employer.get(enterprise.pk, 0), first) if enterprise is not None else first
        gates_here = lobbies.get(code) or lobbies[first]
        regular = user == ctx.people["member"]  # the demo member comes every working day
        late_share = 0.25 if regular else rng.choice([0.02, 0.05, 0.05, 0.12])
        for back in range(WEEKS * 7, -1, -1):
            day = today - dt.timedelta(days=back)
            moves = _day_moves(rng, day, regular=regular and day.weekday() < 5, late_share=late_share)
            if regular and day == today:
                # The demo member is in the park today (the map's marker): came in at 8:36, or just now
                # when the demo is loaded earlier in the day.
                arrived = min(_at(day, 8.6), now - dt.timedelta(minutes=5))
                moves = [(arrived, "in")] if timezone.localdate(arrived) == day else []
                if moves and arrived < _at(day, 7.0) and "C1" in lobbies:
                    gates_here = lobbies["C1"]  # before the lobbies open: home, in the talent apartments
            for k, (when, direction) in enumerate(moves):
                if when > now - dt.timedelta(minutes=1):
                    break  # not yet happened
                if face and FACE_GATE in gates_here and k % 2 == 0:
                    gate, kind, value = gates_here[FACE_GATE], "face", f"FACE-DEMO-{n:06d}"
                else:
                    gate = gates_here[IN_GATE if direction == "in" else OUT_GATE]
                    kind, value = "card", demo_card(n)
                by_gate.setdefault(gate.pk, []).append({
                    "event_id": f"demo-{code_prefix}-{n}-{day:%Y%m%d}-{k}", "kind": kind, "credential": value,
                    "direction": direction, "occurred_at": when})
    accepted = 0
    for gate_id, events in sorted(by_gate.items()):
        events.sort(key=lambda e: e["occurred_at"])
        for start in range(0, len(events), MAX_BATCH):
            # History, not news: the apps registered below did not exist when these passages happened.
            results = passages_ingest(gate=gates[gate_id], events=events[start:start + MAX_BATCH], publish=False)
            accepted += sum(1 for r in results if r.result == "accepted")
    return accepted


def _visitors(ctx: Any, park: Park, lobbies: dict[str, dict[str, Gate]]) -> int:
    """A visitor expected today (host: the demo member), one next week, one cancelled; a blocked number."""
    from parkos.access.services.visitors import blocklist_add, visitor_cancel, visitor_invite

    operator, host = ctx.people["operator"], ctx.people["member"]
    gates = [g for gs in lobbies.values() for name, g in gs.items() if name != OUT_GATE][:3]
    now = timezone.now()
    today_end = max(timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(20, 0))),
                    now + dt.timedelta(hours=3))
    next_week = timezone.make_aware(dt.datetime.combine(timezone.localdate() + dt.timedelta(days=7), dt.time(14, 0)))
    made = 0
    for name, mobile, start, end, purpose, cancel in (
        ("李华", "13800138000", now, today_end, "洽谈协作机器人试点合作", False),
        ("陈思远", "13800138001", next_week, next_week + dt.timedelta(hours=3), "参观智造工坊", False),
        ("周宁", "13800138002", next_week + dt.timedelta(days=1), next_week + dt.timedelta(days=1, hours=2),
         "供应商拜访（已改期）", True),
    ):
        if VisitorPass.objects.filter(park=park, host=host, name=name).exists():
            continue
        visitor, _token = visitor_invite(actor=host, park=park, name=name, mobile=mobile, valid_from=start,
                                         valid_until=end, gate_ids=[g.pk for g in gates], purpose=purpose)
        if cancel:
            visitor_cancel(actor=host, visitor=visitor)
        made += 1
    if not BlockedVisitor.objects.filter(park=park, mobile=BLOCKED_MOBILE).exists():
        blocklist_add(actor=operator, park=park, mobile=BLOCKED_MOBILE, name="王某",
                      reason="多次冒用他人访客码进入园区")
        made += 1
    return made


def seed_demo(ctx: Any) -> None:
    from parkos.access.demo_apps import seed_temperature_app

    parks = getattr(ctx, "parks", None) or {}
    main = parks.get("main") or park_default()
    second = parks.get("yizhuang") or Park.objects.filter(code="yizhuang").first()
    operator = ctx.people["operator"]
    people = [ctx.people[k] for k in ("member", "admin", "operator", "butler")]
    members = people + [m for m in ctx.members if m not in people][:N_MEMBERS]
    from parkos.enterprises.selectors import employer_of

    added = {"gates": Gate.objects.count(), "passages": 0, "visitors": 0}
    for code, park in (("main", main), ("yizhuang", second)):
        if park is None:
            continue
        lobbies = _lobbies(park, code)
        holders: list[tuple[Any, int, bool]] = []
        for n, user in enumerate(members, start=1):
            enterprise = employer_of(user)
            in_park = enterprise.park_id == park.pk if enterprise is not None else park == main
            if not in_park:
                continue
            _card(operator, park, user, n)
            face = n % 5 == 0 or user == ctx.people["member"]
            if face:
                _face(operator, park, user, n)
            holders.append((user, n, face))
        added["passages"] += _passages(ctx, park, code, lobbies, holders)
        if code == "main":
            added["visitors"] += _visitors(ctx, park, lobbies)
    # The occupancy of the demo's days now, rather than at the worker's first rollup.
    from parkos.access.services.presence import rollups_run

    rollups_run()
    owner = Enterprise.objects.filter(park=main, industry__code__startswith="medtech").order_by("pk").first()
    seed_temperature_app(park=main, owner=owner)
    added["gates"] = Gate.objects.count() - added["gates"]
    for key, value in added.items():
        ctx.added[f"access_{key}"] = value

