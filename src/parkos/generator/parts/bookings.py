"""A park-year of bookings: meeting rooms and venues in the parks' buildings, shared desks on floor plans, the
credit plans (every enterprise on one), a year of bookings with the credit months and ledger rows they made,
and the enterprises' desk allocations.

What comes from where:
- rooms and venues: ~60 at seed scale across the portfolio's buildings, named as the park names them
  ("A1-5F 大会议室"), each with the rules and prices of its kind; each park has a 路演厅 or a 多功能厅 that needs
  the park's approval, the default park a 24-hour 路演厅 (hackathons) too, and two rooms are one tenant's own;
- desks: ~800 on floor plans of up to 80 (rows of ten), free of charge and booked by the day
  (``[00:00, 24:00)`` Beijing time, as ``booking_create`` takes a desk's day);
- credit plans per park (基础版 10 credits a month, no overage; 标准版 20 and 专业版 50, overage charged to the
  monthly statement); every enterprise has one, bigger enterprises bigger plans;
- bookings: generated per place in time order with a cursor that never goes back, so two bookings of a
  place never overlap, buffer included — whatever their status (a cancelled one held its time too). Rooms are
  booked on working days from about 9:00 to 18:00 (a few evenings), in quarter hours, by staff of the
  park's enterprises (their own building's rooms most), venues on some days (weekends too) for half days
  or days, desks that no allocation holds by the day. "Today" is the end of the park-year (``YEAR_END``):
  the bookings before it were made, held and checked in (or ~8 % cancelled, ~6 % released no-shows, a few
  declined by the park), those after it — made before today, up to 30 days ahead (venues 60) — are
  confirmed or wait for approval. A few rooms carry a weekly series (周例会) of 4 to 12 weeks.
- credits: each booking is quoted and charged as ``booking_create`` would at the moment it was made, in the
  order they were made: the enterprise's month of the booking's start is opened (granted its plan's credits)
  by its first booking, credits first, the rest charged at the place's price when the plan allows overage,
  else the booking is refused (and not written); a cancellation or a decline gives back what it took. The
  ledger rows are exactly those ``services/credits.py`` records (same keys, kinds, subject, accounts,
  detail and digests), so ``parkos ledger-check`` holds over a generated park;
- allocations: ~40 enterprises hold 5 to 30 desks for 6 to 12 months (a run of neighbouring desks of one
  plan; one desk is never in two allocations at once), some from a competition award or a park programme.

Not generated: guests, reminders, doors (``Place.door``) and the map links (the demo has those).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.apps import apps
from django.db import connections

from parkos.core import workdays
from parkos.generator.bulk import IndexesDeferred
from parkos.generator.parts.bookings_rows import (
    ALLOCATIONS,
    BOOKING_FIELDS,
    BULK,
    CANCELLED,
    DAY,
    DECLINE_REASONS,
    DESK_CHECKED_IN,
    DESKS,
    DESKS_PER_PLAN,
    DESKS_PER_ROW,
    ENTRY_FIELDS,
    FUTURE_DAYS,
    HOUR,
    LEAD_DAYS,
    MINUTE,
    MODELS,
    OP_FIELDS,
    OPERATOR_REASONS,
    PLACE_FIELDS,
    PLANS,
    QUARTER,
    REJECTED,
    RELEASED,
    ROOM_KINDS,
    ROOM_LENGTHS,
    ROOM_TITLES,
    ROOMS,
    SERIES_SHARE,
    SERIES_TITLES,
    VENUE_KINDS,
    VENUE_LEAD_DAYS,
    VENUE_LENGTHS,
    VENUE_TITLES,
    _Booking,
    _date,
    _day_number,
    _epoch,
    _Ledger,
    _local_day,
    _midnight,
    _Month,
    _month_of,
    _Place,
    _rows_estimate,
    _utc,
    _weighted,
)
from parkos.generator.registry import YEAR_END, YEAR_START, Context, part


@part("bookings", after=("memberships", "roles", "scene_deals"), models=MODELS, rows=_rows_estimate)
def bookings(ctx: Context) -> int:
    return _Year(ctx).build()


class _Year:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.connection = connections[ctx.using]
        self.park_ids: list[int] = ctx.shared["park_ids"]
        self.now = _epoch(YEAR_END)  # "today" of the generated park
        self.year_start = _epoch(YEAR_START)
        operators: dict[int | None, list[int]] = ctx.shared.get("operators_by_park", {})
        portfolio = operators.get(None) or sorted(ctx.shared["role_holders"]["operator"])
        self.operator = {p: (operators.get(p) or portfolio)[0] for p in self.park_ids}
        self.staff: list[list[int]] = ctx.shared["staff"]
        self.joined = [_epoch(j) for j in ctx.shared["joined"]]
        self.entered = [_epoch(c) for c in ctx.shared["enterprise_created"]]
        self.workday: dict[int, bool] = {}
        self.ledger = _Ledger()
        self.month_rows: list[_Month] = []

    def is_workday(self, day: int) -> bool:
        known = self.workday.get(day)
        if known is None:
            known = self.workday[day] = workdays.is_workday(_date(day))
        return known

    def build(self) -> int:
        written = 0
        self.load_park()
        written += self.plans()
        written += self.places()
        with IndexesDeferred(self.ctx, BULK) as bulk:
            self.bulk = bulk
            allocated = self.allocations()
            written += self.write_allocations()
            found = self.room_bookings() + self.desk_bookings(allocated)
            written += self.credits_and_write(found)
            written += self.write_ledger()
        return written

    # --- the park --------------------------------------------------------------------------------------
    def load_park(self) -> None:
        building = apps.get_model("enterprises.Building")
        enterprise = apps.get_model("enterprises.Enterprise")
        self.buildings = list(building.objects.using(self.ctx.using).order_by("pk")
                              .values_list("pk", "code", "floors", "park_id"))
        self.enterprise_park: dict[int, int] = {}
        self.enterprise_building: dict[int, int] = {}
        for pk, park_id, building_id in (enterprise.objects.using(self.ctx.using).order_by("pk")
                                         .values_list("pk", "park_id", "building_id")):
            self.enterprise_park[pk] = park_id
            self.enterprise_building[pk] = building_id
        # Who books: an enterprise of the place's park, weighted by its staff (its own building's rooms 4×).
        self.park_enterprises: dict[int, list[int]] = defaultdict(list)
        for pk in sorted(self.enterprise_park):
            if pk - 1 < len(self.staff) and self.staff[pk - 1]:
                self.park_enterprises[self.enterprise_park[pk]].append(pk)
        self.weight = {pk: len(self.staff[pk - 1]) ** 0.7 for ids in self.park_enterprises.values() for pk in ids}
        self.choosers: dict[tuple[int, int | None], tuple[list[int], list[float]]] = {}

    def chooser(self, park: int, building: int | None) -> tuple[list[int], list[float]]:
        key = (park, building)
        found = self.choosers.get(key)
        if found is None:
            ids = self.park_enterprises.get(park, [])
            cum, total = [], 0.0
            for pk in ids:
                total += self.weight[pk] * (4 if building is not None and self.enterprise_building[pk] == building else 1)
                cum.append(total)
            found = self.choosers[key] = (ids, cum)
        return found

    def organiser(self, place: _Place, at: int, enterprise: int | None = None) -> tuple[int, int] | None:
        """(organiser, enterprise): staff of an enterprise of the park who had joined the park by ``at``."""
        rng = self.rng
        for _attempt in range(4):
            if enterprise is None:
                ids, cum = self.chooser(place.park, place.building if place.kind != "venue" else None)
                if not ids:
                    return None
                chosen = rng.choices(ids, cum_weights=cum)[0]
            else:
                chosen = enterprise
            if self.entered[chosen - 1] > at:
                continue
            people = self.staff[chosen - 1]
            person = people[rng.randrange(len(people))]
            if self.joined[person - 1] <= at:
                return person, chosen
            if self.joined[people[0] - 1] <= at:
                return people[0], chosen
        return None

    # --- plans ---------------------------------------------------------------------------------------
    def plans(self) -> int:
        rng = self.rng
        created = _epoch(YEAR_START - timedelta(days=60))
        rows: list[tuple[Any, ...]] = []
        plan_ids: dict[int, list[int]] = {}
        self.plan_specs: dict[int, tuple[str, int, bool]] = {}
        for park_id in self.park_ids:
            plan_ids[park_id] = []
            for position, (name, credits, overage, _share) in enumerate(PLANS):
                plan_id = len(rows) + 1
                rows.append((plan_id, park_id, name, credits, overage, position == 0,
                             datetime.fromtimestamp(created + plan_id * 600, UTC)))
                plan_ids[park_id].append(plan_id)
                self.plan_specs[plan_id] = (name, credits, overage)
        written = self.ctx.insert("bookings.CreditPlan", ["id", "park_id", "name", "monthly_credits", "allow_overage",
                                                          "is_default", "created_at"], rows)
        # Bigger enterprises on bigger plans: rank by staff, the plan's shares from the bottom up.
        shares = [share for *_rest, share in PLANS]
        assigned: dict[int, int] = {}
        for park_id, ids in sorted(self.park_enterprises.items()):
            ranked = sorted(ids, key=lambda pk: (len(self.staff[pk - 1]) + rng.random() * 8, pk))
            bounds = [round(len(ranked) * sum(shares[:k + 1]) / sum(shares)) for k in range(len(shares))]
            for index, pk in enumerate(ranked):
                level = next(k for k, bound in enumerate(bounds) if index < bound)
                assigned[pk] = plan_ids[park_id][level]
        for pk, park_id in self.enterprise_park.items():  # an enterprise without staff: its park's default plan
            assigned.setdefault(pk, plan_ids[park_id][0])
        self.plan_of_enterprise = assigned
        written += self.ctx.insert("bookings.EnterprisePlan", ["id", "enterprise_id", "plan_id"],
                                   [(i, pk, assigned[pk]) for i, pk in enumerate(sorted(assigned), start=1)])
        return written

    # --- rooms, venues, desks ---------------------------------------------------------------------------
    def token(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def places(self) -> int:
        rng = self.rng
        by_park: dict[int, list[tuple[int, str, int, int]]] = defaultdict(list)
        for row in self.buildings:
            by_park[row[3]].append(row)
        total = max(self.ctx.count(ROOMS), 2 * len(self.buildings))
        big = total >= 30
        venues: list[tuple[int, str]] = []  # (building, venue kind)
        for index, park_id in enumerate(self.park_ids):
            here = by_park.get(park_id, [])
            if not here:
                continue
            if index == 0:
                wanted = ["roadshow", "hall", "hackathon"] if big else ["roadshow"]
            else:
                wanted = ["hall" if index % 2 else "roadshow"]
            for k, kind in enumerate(wanted):
                venues.append((here[k % len(here)][0], kind))
        n_rooms = max(len(self.buildings), total - len(venues))
        per_building = {b[0]: 1 for b in self.buildings}
        for b in rng.choices(self.buildings, weights=[b[2] for b in self.buildings], k=n_rooms - len(self.buildings)):
            per_building[b[0]] += 1
        info = {b[0]: b for b in self.buildings}
        kinds, kind_weights = ROOM_KINDS, [k[-1] for k in ROOM_KINDS]
        created_at = YEAR_START - timedelta(days=45)
        rows: list[tuple[Any, ...]] = []
        self.rooms: list[_Place] = []
        names: set[tuple[int, str]] = set()

        def add(building_id: int, spec: tuple[Any, ...], floor: str, position: int, *, all_day: bool = False,
                audience_enterprise: int | None = None) -> None:
            code, park_id = info[building_id][1], info[building_id][3]
            name, name_en = f"{code}-{floor} {spec[1]}", f"{code}-{floor} {spec[2]}"
            n = 2
            while (building_id, name) in names:
                name, name_en = f"{code}-{floor} {spec[1]}{n}", f"{code}-{floor} {spec[2]} {n}"
                n += 1
            names.add((building_id, name))
            place = _Place(id=len(rows) + 1, park=park_id, building=building_id, spec=spec,
                           audience_enterprise=audience_enterprise, popularity=rng.uniform(0.3, 0.85),
                           open_all_day=all_day)
            venue = spec[3] == "venue"
            audience = "enterprise" if audience_enterprise else "everyone" if spec[6] == 0 else "tenants"
            description = spec[12] if not audience_enterprise else f"{spec[12]}仅限本企业员工预订。"
            rows.append((place.id, park_id, spec[3], building_id, floor, name, name_en, description, spec[4],
                         list(spec[5]), "", "08:00", "22:00", venue, all_day, audience, audience_enterprise,
                         spec[7], spec[6], venue, spec[8], spec[9], spec[11], place.cancel_hours, spec[10], 0, "",
                         None, None, None, self.token(), True, position, self.operator[park_id], created_at))
            self.rooms.append(place)

        for building_id, kind in venues:
            add(building_id, VENUE_KINDS[kind], "1F", 0, all_day=kind == "hackathon")
        restricted = 2 if big else 0
        for building_id, _code, floors, _park in self.buildings:
            used: set[int] = set()
            for position in range(1, per_building[building_id] + 1):
                floor = rng.randint(2, max(2, floors))
                for _ in range(3):
                    if floor not in used:
                        break
                    floor = rng.randint(2, max(2, floors))
                used.add(floor)
                spec = rng.choices(kinds, weights=kind_weights)[0]
                owner = None
                if restricted and spec[0] in ("small", "medium") and position == 1:
                    tenants = [pk for pk in self.park_enterprises.get(info[building_id][3], [])
                               if self.enterprise_building[pk] == building_id]
                    if tenants:
                        owner = max(tenants, key=lambda pk: (len(self.staff[pk - 1]), -pk))
                        restricted -= 1
                add(building_id, spec, f"{floor}F", position, audience_enterprise=owner)
        written = self.ctx.insert("bookings.Place", PLACE_FIELDS, rows)
        self.ctx.ids["booking_rooms"] = range(1, len(rows) + 1)
        return written + self.floor_plans(len(rows), by_park)

    def floor_plans(self, first_id: int, by_park: dict[int, list[tuple[int, str, int, int]]]) -> int:
        """Shared offices of up to 80 desks in rows of ten: most in the default park, one in each other."""
        rng = self.rng
        n_desks = max(self.ctx.count(DESKS), 24)
        n_plans = max(1, math.ceil(n_desks / DESKS_PER_PLAN))
        sizes = [n_desks // n_plans + (1 if k < n_desks % n_plans else 0) for k in range(n_plans)]
        homes: list[tuple[int, str, int, int]] = []
        main = by_park.get(self.park_ids[0], [])
        others = [by_park[p][0] for p in self.park_ids[1:] if by_park.get(p)]
        for k in range(n_plans):
            pool = others if (k % 5 == 4 and others) else main or others
            homes.append(pool[(k // 5 if pool is others else k) % len(pool)])
        plans: list[tuple[Any, ...]] = []
        desks: list[tuple[Any, ...]] = []
        self.plan_desks: list[tuple[int, int, list[int]]] = []  # (plan, park, desk ids in order)
        self.desk_place: dict[int, _Place] = {}
        desk_spec: tuple[Any, ...] = ("desk", "工位", "Desk", "desk", 1, [], 0, 0, 30, 240, 0, 14, "", 0)
        seen: set[tuple[int, str]] = set()
        created_at = YEAR_START - timedelta(days=45)
        for size, (building_id, code, floors, park_id) in zip(sizes, homes, strict=True):
            floor = f"{rng.randint(2, max(2, floors))}F"
            while (park_id, f"{code} {floor} 共享办公区") in seen:
                floor = f"{int(floor[:-1]) + 1}F"
            name = f"{code} {floor} 共享办公区"
            seen.add((park_id, name))
            plan_id = len(plans) + 1
            rows_of = math.ceil(size / DESKS_PER_ROW)
            plans.append((plan_id, park_id, building_id, floor, name, 1000, max(600, 120 + 70 * rows_of), "",
                          created_at))
            ids = []
            for i in range(size):
                row, col = divmod(i, DESKS_PER_ROW)
                desk_id = first_id + len(desks) + 1
                # Two blocks of five desks either side of an aisle.
                x = 80 + col * 80 + (60 if col >= DESKS_PER_ROW // 2 else 0)
                y = 80 + row * 70
                desks.append((desk_id, park_id, "desk", building_id, floor, f"{code}-{floor}-{chr(65 + row)}{col + 1:02d}",
                              f"Desk {code}-{floor}-{chr(65 + row)}{col + 1:02d}", "", 1, [], "", "08:00", "22:00",
                              False, False, "tenants", None, 0, 0, False, 30, 240, 14, 2, 0, 0, "", plan_id, x, y,
                              self.token(), True, i, self.operator[park_id], created_at))
                ids.append(desk_id)
                self.desk_place[desk_id] = _Place(id=desk_id, park=park_id, building=building_id, spec=desk_spec,
                                                  popularity=0.0, name=desks[-1][5])
            self.plan_desks.append((plan_id, park_id, ids))
        written = self.ctx.insert("bookings.FloorPlan", ["id", "park_id", "building_id", "floor", "name", "width",
                                                         "height", "image", "created_at"], plans)
        written += self.ctx.insert("bookings.Place", PLACE_FIELDS, desks)
        self.ctx.ids["booking_desks"] = range(first_id + 1, first_id + len(desks) + 1)
        return written

    # --- allocations ---------------------------------------------------------------------------------
    def allocations(self) -> dict[int, list[tuple[int, int]]]:
        """Runs of neighbouring desks of one plan for 6 to 12 months; returns desk -> [(first day, last day)]."""
        rng = self.rng
        busy: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self.allocation_rows: list[tuple[Any, ...]] = []
        self.allocated_rows: list[tuple[Any, ...]] = []
        first = _day_number(YEAR_START.date()) - 150
        span = _day_number(YEAR_END.date()) - 30 - first
        taken: set[int] = set()
        plans_of: dict[int, list[tuple[int, int, list[int]]]] = defaultdict(list)
        for plan in self.plan_desks:
            plans_of[plan[1]].append(plan)
        parks = [p for p in self.park_ids if plans_of.get(p)]
        park_weights = [sum(len(plan[2]) for plan in plans_of[p]) for p in parks]
        for i in range(max(2, self.ctx.count(ALLOCATIONS))):
            park_id = rng.choices(parks, weights=park_weights)[0]
            candidates = [pk for pk in self.park_enterprises.get(park_id, []) if pk not in taken]
            if not candidates:
                continue
            enterprise = rng.choices(candidates, weights=[self.weight[pk] for pk in candidates])[0]
            months = rng.randint(6, 12)
            start = first + rng.randrange(span)
            start_date = _date(start)
            end_month = start_date.month - 1 + months
            end_date = date(start_date.year + end_month // 12, end_month % 12 + 1, min(start_date.day, 28)) \
                - timedelta(days=1)
            end = _day_number(end_date)
            plans = list(plans_of[park_id])
            rng.shuffle(plans)
            chosen: tuple[int, list[int]] | None = None
            for plan_id, _park, desks in plans:
                size = min(rng.randint(5, 30), max(2, len(desks) // 3))
                offset = rng.randrange(len(desks))
                for k in range(len(desks) - size + 1):
                    at = (offset + k) % (len(desks) - size + 1)
                    run = desks[at:at + size]
                    if all(e < start or s > end for d in run for s, e in busy[d]):
                        chosen = (plan_id, run)
                        break
                if chosen:
                    break
            if chosen is None:
                continue
            taken.add(enterprise)
            allocation_id = len(self.allocation_rows) + 1
            kind = "competition" if i % 5 == 1 else "programme" if i % 7 == 3 else "lease"
            ref = f"competitions.award:gen-{allocation_id}" if kind == "competition" else ""
            note = (f"创新创业大赛奖励：{len(chosen[1])} 个工位，{months} 个月" if kind == "competition"
                    else "园区孵化计划入驻" if kind == "programme" else "")
            created = _midnight(start) - rng.randint(3, 20) * DAY + 10 * HOUR
            self.allocation_rows.append((allocation_id, park_id, enterprise, start_date.isoformat(), end_date.isoformat(),
                                         kind, ref, note, self.operator[park_id], _utc(created), None))
            people = list(self.staff[enterprise - 1])
            for n, desk in enumerate(chosen[1]):
                busy[desk].append((start, end))
                occupant = people[n] if n < len(people) and rng.random() < 0.8 else None
                self.allocated_rows.append((len(self.allocated_rows) + 1, allocation_id, desk, start_date.isoformat(),
                                            end_date.isoformat(), occupant))
        return busy

    def write_allocations(self) -> int:
        written = self.bulk.insert("bookings.Allocation", ["id", "park_id", "enterprise_id", "starts_on", "ends_on",
                                                           "source", "source_ref", "note", "created_by_id", "created_at",
                                                           "ended_at"], self.allocation_rows)
        written += self.bulk.insert("bookings.AllocatedDesk", ["id", "allocation_id", "desk_id", "starts_on", "ends_on",
                                                               "occupant_id"], self.allocated_rows)
        return written

    # --- bookings ------------------------------------------------------------------------------------
    def lead(self, place: _Place, starts: int) -> int:
        """When a booking starting at ``starts`` was made: days ahead (within the place's limit), at a time of
        day people book (office hours), never after the start, never before the year began."""
        rng = self.rng
        values, cum = self.venue_lead if place.kind == "venue" else self.room_lead
        days = min(rng.choices(values, cum_weights=cum)[0], place.days_ahead)
        if days == 0:
            created = starts - rng.randint(1, 8) * QUARTER - rng.randrange(QUARTER)
        else:
            day = _local_day(starts) - days
            created = _midnight(day) + rng.randint(8 * 4, 20 * 4) * QUARTER + rng.randrange(QUARTER)
            created = min(created, starts - QUARTER)
        return max(created, self.year_start)

    def length(self, place: _Place) -> int:
        values, cum = self.venue_lengths if place.kind == "venue" else self.room_lengths
        minutes = self.rng.choices(values, cum_weights=cum)[0]
        return max(int(place.spec[8]), min(int(place.spec[9]), minutes))

    def room_bookings(self) -> list[_Booking]:
        self.room_lead, self.venue_lead = _weighted(LEAD_DAYS), _weighted(VENUE_LEAD_DAYS)
        self.room_lengths, self.venue_lengths = _weighted(ROOM_LENGTHS), _weighted(VENUE_LENGTHS)
        first_day = _day_number(YEAR_START.date())
        last_day = _day_number(YEAR_END.date()) + FUTURE_DAYS
        found: list[_Booking] = []
        self.series_rows: list[tuple[Any, ...]] = []
        for place in self.rooms:
            fixed = self.series(place, first_day) if place.kind == "room" and place.days_ahead >= 90 else {}
            cursor = 0  # nothing of this place may start before it: the end (plus buffer) of its last booking
            for day in range(first_day, last_day):
                if place.kind == "venue":
                    cursor = self.venue_day(place, day, self.is_workday(day), cursor, found)
                elif self.is_workday(day):
                    cursor = self.room_day(place, _midnight(day), cursor, fixed.get(day, []), found)
            found.extend(b for occurrences in fixed.values() for b in occurrences)
        return [b for b in found if b.created <= self.now]

    def room_day(self, place: _Place, midnight: int, cursor: int, fixed: list[_Booking],
                 made: list[_Booking]) -> int:
        rng = self.rng
        cursor = max(cursor, midnight + (8 * HOUR + 30 * MINUTE if rng.random() < 0.15 else 9 * HOUR))
        latest = midnight + (21 * HOUR if rng.random() < 0.08 else 18 * HOUR)
        while True:
            quarters = rng.choice((0, 0, 1, 2)) if rng.random() < place.popularity else rng.randint(2, 14)
            starts = cursor + quarters * QUARTER
            if midnight + 12 * HOUR <= starts < midnight + 13 * HOUR + 30 * MINUTE and rng.random() < 0.6:
                starts = midnight + 13 * HOUR + 30 * MINUTE  # lunch
            ends = starts + self.length(place) * MINUTE
            if ends > latest:
                break
            blocks = ends + place.buffer
            clash = next((f for f in fixed if starts < f.ends + place.buffer and f.starts < blocks), None)
            if clash is not None:
                cursor = clash.ends + place.buffer
                continue
            created = self.lead(place, starts)
            who = self.organiser(place, created, place.audience_enterprise)
            cursor = blocks
            if who is None:
                continue
            capacity = int(place.spec[4])
            attendees = min(capacity, 1 + int(rng.expovariate(1 / max(0.5, capacity * 0.3))))
            made.append(_Booking(place, starts, ends, created, who[0], who[1], rng.choice(ROOM_TITLES), attendees))
        # A series' occurrences are held whatever the day's fill: the cursor passes the last of them too.
        return max([cursor, *(f.ends + place.buffer for f in fixed)])

    def venue_day(self, place: _Place, day: int, workday: bool, cursor: int, made: list[_Booking]) -> int:
        rng = self.rng
        midnight = _midnight(day)
        if rng.random() >= (0.4 if workday else 0.18) * (0.6 + place.popularity / 2):
            return cursor
        weekday = _date(day).weekday()
        if place.open_all_day and weekday in (4, 5) and rng.random() < 0.35:
            starts = max(cursor, midnight + 10 * HOUR)
            if _local_day(starts) != day:
                return cursor
            ends = starts + 24 * HOUR  # a hackathon through the night
            title = "黑客松"
        else:
            starts = max(cursor, midnight + rng.choice((9, 9, 10, 13, 14)) * HOUR)
            starts += (-(starts - midnight) % QUARTER)
            ends = starts + self.length(place) * MINUTE
            title = rng.choice(VENUE_TITLES)
            if not place.open_all_day and ends > midnight + 22 * HOUR:
                return cursor
        created = self.lead(place, starts)
        who = self.organiser(place, created)
        if who is None:
            return cursor
        capacity = int(place.spec[4])
        made.append(_Booking(place, starts, ends, created, who[0], who[1], title,
                             rng.randint(capacity // 4, capacity)))
        return ends + place.buffer

    def series(self, place: _Place, first_day: int) -> dict[int, list[_Booking]]:
        """Maybe one weekly series (周例会) of this room: its occurrences by local day, made when it was made."""
        rng = self.rng
        if rng.random() >= SERIES_SHARE:
            return {}
        weeks = rng.randint(4, 12)
        last_first = _day_number(YEAR_END.date()) + 21 - 7 * (weeks - 1)
        day = first_day + 7 + rng.randrange(max(1, last_first - first_day - 7))
        day += (rng.randrange(5) - _date(day).weekday()) % 7  # a weekday
        start_hour = rng.choice((9, 10, 14, 16))
        first_start = _midnight(day) + start_hour * HOUR
        # Made once, for every week: the last occurrence within the place's days ahead.
        created = max(self.lead(place, first_start),
                      _midnight(day + 7 * (weeks - 1) - place.days_ahead) + 9 * HOUR)
        if created >= first_start:
            return {}
        if created > self.now:
            return {}
        # Its organiser's enterprise charges overage (a refused occurrence would refuse the whole series).
        who = None
        for _ in range(6):
            who = self.organiser(place, created, place.audience_enterprise)
            if who and self.plan_specs[self.plan_of_enterprise[who[1]]][2]:
                break
            who = None
        if who is None:
            return {}
        series_id = len(self.series_rows) + 1
        title = rng.choice(SERIES_TITLES)
        key = f"gen-series-{series_id}"
        out: dict[int, list[_Booking]] = {}
        skipped = []
        for week in range(weeks):
            d = day + 7 * week
            if not self.is_workday(d):
                skipped.append(_date(d).isoformat())
                continue
            starts = _midnight(d) + start_hour * HOUR
            out[d] = [_Booking(place, starts, starts + 60 * MINUTE, created, who[0], who[1], title,
                               min(int(place.spec[4]), rng.randint(4, 10)), series=series_id,
                               key=f"{key}:{_date(d).isoformat()}")]
        if not out:
            return {}
        self.series_rows.append((series_id, place.park, place.id, who[0], title, f"{start_hour:02d}:00:00", 60,
                                 _date(day).isoformat(), _date(day + 7 * (weeks - 1)).isoformat(), json.dumps(skipped),
                                 _utc(created)))
        return out

    def desk_bookings(self, allocated: dict[int, list[tuple[int, int]]]) -> list[_Booking]:
        """Desks no allocation holds, by the day (``desk_book``: the whole Beijing day), on working days; one desk
        a day per member."""
        rng = self.rng
        first_day = _day_number(YEAR_START.date())
        last_day = _day_number(YEAR_END.date()) + 14
        found: list[_Booking] = []
        seated: set[tuple[int, int]] = set()  # (member, day)
        for _plan, _park, desks in self.plan_desks:
            busy_share = rng.uniform(0.25, 0.45)
            for desk in desks:
                place = self.desk_place[desk]
                spans = allocated.get(desk, [])
                for day in range(first_day, last_day):
                    if not self.is_workday(day) or rng.random() >= busy_share:
                        continue
                    if any(s <= day <= e for s, e in spans):
                        continue
                    starts = _midnight(day)
                    lead = rng.choice((0, 0, 0, 1, 1, 2, 3, 7))
                    created = max(starts - lead * DAY - rng.randint(1, 28) * 1800, self.year_start)
                    if created > self.now:
                        continue
                    who = self.organiser(place, created)
                    if who is None or (who[0], day) in seated:
                        continue
                    seated.add((who[0], day))
                    found.append(_Booking(place, starts, starts + DAY, created, who[0], who[1],
                                          f"共享工位 {place.name}", 1))
        return found

    def outcome(self, b: _Booking) -> None:
        """What became of ``b`` by today: cancelled, declined, released, checked in, or still ahead."""
        rng = self.rng
        place, operator = b.place, self.operator[b.place.park]
        roll = rng.random()
        approved = place.needs_approval
        deadline = b.starts - place.cancel_hours * HOUR
        if approved and roll < REJECTED:
            b.status, b.decided_by = "rejected", operator
            b.cancelled = min(b.created + rng.randint(1, 20) * HOUR, b.starts - HOUR, self.now)
            b.reason = rng.choice(DECLINE_REASONS)
            return
        if approved:
            b.decided_by = operator
        if rng.random() < CANCELLED:
            if deadline > b.created + 600:
                b.cancelled = b.created + 600 + int(rng.random() * (min(deadline, self.now) - b.created - 600))
                b.cancelled_by = b.organiser
            else:  # past the organiser's deadline: the park cancels, with a reason
                b.cancelled = min(b.created + 300, self.now)
                b.cancelled_by, b.reason = operator, rng.choice(OPERATOR_REASONS)
            if b.cancelled <= self.now and b.cancelled > b.created:
                b.status = "cancelled"
                return
            b.cancelled, b.cancelled_by, b.reason = None, None, ""
        if b.starts + 15 * MINUTE > self.now:  # still ahead (or just starting): nobody has come yet
            if approved and b.created > self.now - 3 * DAY and rng.random() < 0.6:
                b.status, b.decided_by = "pending", None
            return
        if place.kind == "desk":
            if rng.random() < DESK_CHECKED_IN:
                b.status, b.how = "checked_in", rng.choice(("qr", "web", "web"))
                b.checked_in = b.starts + 8 * HOUR + rng.randrange(3 * HOUR)
            return
        if rng.random() < RELEASED / (1 - CANCELLED):
            b.status = "released"
            return
        b.status, b.how = "checked_in", rng.choice(("qr", "qr", "web"))
        b.checked_in = b.starts - 10 * MINUTE + rng.randrange(44) * 30

    # --- credits, then the rows -----------------------------------------------------------------------
    def credits_and_write(self, found: list[_Booking]) -> int:
        found.sort(key=lambda b: (b.created, b.place.id, b.starts))
        for b in found:
            self.outcome(b)
        events: list[tuple[int, int, int]] = []  # (at, booking index, 0 made / 1 given back)
        for index, b in enumerate(found):
            events.append((b.created, index, 0))
            if b.status in ("cancelled", "rejected") and b.cancelled is not None:
                events.append((b.cancelled, index, 1))
        months: dict[tuple[int, date], _Month] = {}
        for _at, index, kind in sorted(events):
            b = found[index]
            if kind == 1:
                if b.month is not None:
                    self.month_rows[b.month - 1].used -= b.credits
                    self.month_rows[b.month - 1].charged -= b.charge
                continue
            needed, fen = b.place.cost((b.ends - b.starts) // MINUTE)
            if needed or fen:
                self.spend(b, needed, fen, months)
        kept = [b for b in found if not b.dropped]
        for n, b in enumerate(kept, start=1):
            b.id = n
            b.key = b.key or f"gen-{n}"
        self.ledger_rows(kept)
        months_rows = [(m.id, m.park, m.enterprise, m.month.isoformat(), m.granted, m.used, m.charged, m.allow_overage,
                        _utc(m.opened)) for m in self.month_rows]
        rows = [(b.id, b.place.park, b.place.id, b.organiser, b.enterprise, b.series, b.title, "", b.attendees,
                 _utc(b.starts), _utc(b.ends), _utc(b.ends + b.place.buffer), b.status, b.credits, b.charge, b.month,
                 b.key, _utc(b.checked_in), b.organiser if b.checked_in else None, b.how, b.decided_by,
                 _utc(b.cancelled) if b.status == "cancelled" else None,
                 b.cancelled_by if b.status == "cancelled" else None, b.reason, _utc(b.created)) for b in kept]
        written = self.bulk.insert("bookings.CreditMonth", ["id", "park_id", "enterprise_id", "month", "granted", "used",
                                                            "charged_fen", "allow_overage", "created_at"], months_rows)
        written += self.bulk.insert("bookings.BookingSeries", ["id", "park_id", "place_id", "organiser_id", "title",
                                                               "start_time", "minutes", "first_date", "last_date",
                                                               "exceptions", "created_at"], self.series_rows)
        written += self.bulk.insert("bookings.Booking", BOOKING_FIELDS, rows)
        self.ctx.ids["bookings"] = range(1, len(rows) + 1)
        self.ctx.ids["credit_months"] = range(1, len(months_rows) + 1)
        return written

    def spend(self, b: _Booking, needed: int, fen: int, months: dict[tuple[int, date], _Month]) -> None:
        """``credits.quote``, ``month_open`` and ``spend`` for ``b`` at the moment it was made."""
        key = (b.enterprise, _month_of(b.starts))
        month = months.get(key)
        name, granted, overage = self.plan_specs[self.plan_of_enterprise[b.enterprise]]
        left = granted if month is None else month.granted - month.used
        if month is not None:
            overage = month.allow_overage
        used = min(needed, max(left, 0))
        if used < needed and not overage:
            b.dropped = True  # refused ("this needs N credits and only M are left"): nothing written
            return
        # credits.split: credits first, the rest at the place's price in proportion
        charge = fen if not needed else 0 if used == needed else math.ceil(fen * (needed - used) / needed)
        if month is None:
            month = months[key] = _Month(len(self.month_rows) + 1, b.place.park, b.enterprise, key[1], granted,
                                         overage, name, b.created)
            self.month_rows.append(month)
        month.used += used
        month.charged += charge
        b.credits, b.charge, b.month = used, charge, month.id

    def ledger_rows(self, kept: list[_Booking]) -> None:
        """``credits.month_open``, ``spend`` and ``refund``'s operations, at the moments they happened."""
        opened: set[int] = set()
        for b in kept:
            if b.month is None:
                continue
            month = self.month_rows[b.month - 1]
            if month.id not in opened:
                opened.add(month.id)
                if month.granted:
                    self.ledger.add(month.opened, (b.id, 0), f"grant:{month.id}", "bookings.credits.grant", month.id,
                                    [("plan", -month.granted), ("available", month.granted)], None,
                                    {"plan": month.plan, "month": month.month.isoformat()})
            if b.credits:
                self.ledger.add(b.created, (b.id, 1), f"use:{b.id}", "bookings.credits.use", month.id,
                                [("available", -b.credits), ("used", b.credits)], b.organiser, {"booking": b.id})
            if b.charge:
                self.ledger.add(b.created, (b.id, 2), f"charge:{b.id}", "bookings.charge", month.id,
                                [("park", -b.charge), ("statement", b.charge)], b.organiser, {"booking": b.id})
            if b.status in ("cancelled", "rejected") and b.cancelled is not None:
                why = "cancelled" if b.status == "cancelled" else "rejected"
                actor = b.cancelled_by if b.status == "cancelled" else b.decided_by
                if b.credits:
                    self.ledger.add(b.cancelled, (b.id, 3), f"refund:{b.id}", "bookings.credits.refund", month.id,
                                    [("used", -b.credits), ("available", b.credits)], actor,
                                    {"booking": b.id, "why": why})
                if b.charge:
                    self.ledger.add(b.cancelled, (b.id, 4), f"uncharge:{b.id}", "bookings.charge.refund", month.id,
                                    [("statement", -b.charge), ("park", b.charge)], actor,
                                    {"booking": b.id, "why": why})

    def write_ledger(self) -> int:
        next_op, next_entry = self.ctx.shared.get("ledger_next_ids", (1, 1))
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM core_ledgeroperation")
            next_op = max(next_op, cursor.fetchone()[0] + 1)
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM core_ledgerentry")
            next_entry = max(next_entry, cursor.fetchone()[0] + 1)
        ops, entries = self.ledger.rows(next_op, next_entry)
        written = self.bulk.insert("core.LedgerOperation", OP_FIELDS, ops)
        written += self.bulk.insert("core.LedgerEntry", ENTRY_FIELDS, entries)
        self.ctx.shared["ledger_next_ids"] = (next_op + len(ops), next_entry + len(entries))
        return written


__all__ = ["ALLOCATIONS", "DESKS", "PLANS", "ROOMS", "bookings"]
