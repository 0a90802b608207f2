"""The park-year generator's plug-in registry.

Each domain plugs its own generator in as that domain is built. A *part* is one function that fills
the tables of one slice of the park and returns how many rows it wrote::

    # src/parkos/generator/parts/catalog.py   (or src/parkos/<domain>/generate.py)
    from parkos.generator.registry import Context, part

    @part("services", after=("enterprises",), models=("catalog.Service",), rows=600)
    def services(ctx: Context) -> int:
        rng = ctx.rng                        # this part's own Random, seeded from the master seed
        n = ctx.count(600)                   # 600 at seed scale, 6 at small
        providers = ctx.shared["providers"]  # what earlier parts left for later ones
        rows = ((i, f"服务 {i}", rng.choice(providers)) for i in range(1, n + 1))
        return ctx.insert("catalog.Service", ["id", "name", "provider_id"], rows)

That is the whole of adding a part: one file. Modules in ``parkos.generator.parts`` and a
``generate`` module in any installed app are imported on first use (like ``admin.py``).

Rules a part keeps so that the same seed gives the same data, byte for byte:
- draw randomness only from ``ctx.rng`` (seeded per part, so adding a part never shifts another
  part's numbers) and never from the clock: times come from ``ctx.moment`` inside the fixed park-year;
- give rows explicit ids, 1..n, in a deterministic order, and publish them in ``ctx.ids``;
- write through ``ctx.insert`` (many rows to a statement, values adapted by the model's own fields),
  never one ORM ``save()`` per row;
- declare the models it fills in ``models``: the command refuses to write over them, ``--force``
  clears them, and the checksum covers them;
- declare ``rows`` (its volume at seed scale, an int or a function of the scale factor) so the
  progress bar knows how far it is; seed-scale volumes come from ``seed/brief.md``.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import chain
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import connections, models
from django.utils.module_loading import autodiscover_modules

# The scales: `seed` is one park of the size in seed/brief.md; `small` is one hundredth of it.
# "tiny" is for tests that need a whole, consistent park-year but not its volumes (a fifth of "small").
SCALES: dict[str, float] = {"seed": 1.0, "small": 0.01, "tiny": 0.002}

# The generated park-year (fixed, so the data never depends on the day it was generated).
PARK_TZ = ZoneInfo("Asia/Shanghai")
YEAR_START = datetime(2025, 11, 1, tzinfo=PARK_TZ)
YEAR_END = datetime(2026, 11, 1, tzinfo=PARK_TZ)

# How busy each hour of a day is (0..23): a morning peak, an afternoon plateau, an evening rise.
HOUR_WEIGHTS = (1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 3, 7, 10, 11, 9, 6, 7, 9, 10, 9, 8, 6, 5, 6, 5, 3, 2)
WEEKEND_WEIGHT = 0.35  # a Saturday or Sunday is about a third of a weekday


@dataclass(frozen=True)
class Part:
    name: str
    build: Callable[[Context], int]
    after: tuple[str, ...]
    models: tuple[str, ...]
    rows: int | Callable[[float], int]

    def expected_rows(self, factor: float) -> int:
        return self.rows(factor) if callable(self.rows) else max(1, round(self.rows * factor))


_PARTS: dict[str, Part] = {}
_discovered = False


def part(name: str, *, after: Sequence[str] = (), models: Sequence[str] = (),
         rows: int | Callable[[float], int] = 0) -> Callable[[Callable[[Context], int]], Callable[[Context], int]]:
    """Register ``fn`` as the generator of part ``name``, run after the parts named in ``after``."""

    def register(fn: Callable[[Context], int]) -> Callable[[Context], int]:
        if name in _PARTS and _PARTS[name].build is not fn:
            raise ValueError(f"Generator part {name!r} is registered twice.")
        _PARTS[name] = Part(name=name, build=fn, after=tuple(after), models=tuple(models), rows=rows)
        return fn

    return register


def discover() -> None:
    global _discovered
    if _discovered:
        return
    package = importlib.import_module("parkos.generator.parts")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        importlib.import_module(f"{package.__name__}.{info.name}")
    autodiscover_modules("generate")
    _discovered = True


def ordered_parts(only: Iterable[str] | None = None) -> list[Part]:
    """Every registered part, dependencies first (ties broken by name, so the order is stable)."""
    discover()
    wanted = set(_PARTS) if only is None else set(only)
    unknown = wanted - set(_PARTS)
    if unknown:
        raise KeyError(f"Unknown generator part(s): {', '.join(sorted(unknown))}")
    stack = sorted(wanted)
    while stack:  # pull in dependencies of what was asked for
        for dep in _PARTS[stack.pop()].after:
            if dep not in _PARTS:
                raise KeyError(f"Generator part depends on unknown part {dep!r}")
            if dep not in wanted:
                wanted.add(dep)
                stack.append(dep)
    done: list[Part] = []
    placed: set[str] = set()
    while len(done) < len(wanted):
        ready = sorted(n for n in wanted - placed if set(_PARTS[n].after) <= placed)
        if not ready:
            raise ValueError(f"Generator parts depend on each other in a circle: {sorted(wanted - placed)}")
        done.append(_PARTS[ready[0]])
        placed.add(ready[0])
    return done


def part_models(parts: Iterable[Part]) -> list[type[models.Model]]:
    return [apps.get_model(label) for p in parts for label in p.models]


def derive_seed(seed: int, name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}:{name}".encode()).digest()[:8], "big")


class _NoProgress:
    def update(self, n: int = 1) -> None:
        pass

    def set_description(self, desc: str) -> None:
        pass


@dataclass
class Context:
    """What a part gets: its random source, the scale, the database, earlier parts' ids and results."""

    seed: int
    scale: str
    using: str = "default"
    progress: Any = field(default_factory=_NoProgress)
    ids: dict[str, Sequence[int]] = field(default_factory=dict)
    shared: dict[str, Any] = field(default_factory=dict)
    rng: random.Random = field(default_factory=lambda: random.Random(0))  # replaced per part by for_part
    batch_size: int = 5000

    @property
    def factor(self) -> float:
        return SCALES[self.scale]

    def count(self, at_seed_scale: int, minimum: int = 1) -> int:
        """A volume given at seed scale, scaled to this run."""
        return max(minimum, round(at_seed_scale * self.factor))

    def for_part(self, name: str) -> random.Random:
        self.rng = random.Random(derive_seed(self.seed, name))
        self.progress.set_description(name)
        return self.rng

    # --- time: the park's weekly and daily rhythm --------------------------------------------
    def moment(self, start: datetime = YEAR_START, end: datetime = YEAR_END,
               rng: random.Random | None = None) -> datetime:
        """A moment between ``start`` and ``end`` as a member would pick it: weekdays over weekends,
        office hours and evenings over nights. Aware, in the park's time zone."""
        rng = rng or self.rng
        first = start.astimezone(PARK_TZ).date()
        days = max(1, (end.astimezone(PARK_TZ).date() - first).days)
        while True:
            day = first + timedelta(days=rng.randrange(days))
            if day.weekday() < 5 or rng.random() < WEEKEND_WEIGHT:
                break
        hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        moment = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60),
                          tzinfo=PARK_TZ)
        return min(max(moment, start), end)

    def day(self, start: date, end: date, rng: random.Random | None = None) -> date:
        rng = rng or self.rng
        return start + timedelta(days=rng.randrange(max(1, (end - start).days)))

    # --- writing --------------------------------------------------------------------------------
    def insert(self, label: str, fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Insert ``rows`` (tuples in the order of ``fields``) into model ``label``, many rows to a
        statement (``insert_values``). Values are adapted by the model's fields (dates, JSON), so the
        stored bytes are exactly what the ORM would store."""
        model = apps.get_model(label)
        connection = connections[self.using]
        model_fields = [model._meta.get_field(name) for name in fields]
        passthrough = {"AutoField", "BigAutoField", "CharField", "TextField", "SlugField", "EmailField",
                       "URLField", "IntegerField", "BigIntegerField", "SmallIntegerField",
                       "PositiveIntegerField", "PositiveSmallIntegerField", "PositiveBigIntegerField",
                       "BooleanField", "ForeignKey", "FloatField", "GenericIPAddressField"}
        def adapter(f: Any) -> Callable[[Any], Any]:
            return lambda value: None if value is None else f.get_db_prep_save(value, connection)

        adapters: list[Callable[[Any], Any] | None] = [
            None if f.get_internal_type() in passthrough else adapter(f) for f in model_fields
        ]
        qn = connection.ops.quote_name
        head = "INSERT INTO {} ({})".format(
            qn(model._meta.db_table), ", ".join(qn(f.column) for f in model_fields))  # type: ignore[union-attr]
        marks = ["%s"] * len(model_fields)
        total = 0
        batch: list[tuple[Any, ...]] = []
        with connection.cursor() as cursor:
            for row in rows:
                batch.append(tuple(v if a is None else a(v) for v, a in zip(row, adapters, strict=True)))
                if len(batch) >= self.batch_size:
                    insert_values(cursor, head, marks, batch)
                    total += len(batch)
                    self.progress.update(len(batch))
                    batch = []
            if batch:
                insert_values(cursor, head, marks, batch)
                total += len(batch)
                self.progress.update(len(batch))
        return total


ROWS_PER_STATEMENT = 100


def insert_values(cursor: Any, head: str, marks: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """``head`` (``INSERT INTO t (a, b)``) with ``rows``, many rows to a statement: one statement per row
    costs SQLite more than the row itself (statement reset, the AUTOINCREMENT counter), six times as much
    for the ledger's narrow rows. ``marks`` are the placeholders of one row (``%s``, or an SQL expression
    around one). At most ~2,000 values to a statement, far below either database's limit."""
    if not rows:
        return
    one = f"({', '.join(marks)})"
    per = max(1, min(ROWS_PER_STATEMENT, 2_000 // max(1, len(marks))))
    full = len(rows) - len(rows) % per
    if full:
        sql = f"{head} VALUES {', '.join([one] * per)}"
        cursor.executemany(sql, [tuple(chain.from_iterable(rows[i:i + per])) for i in range(0, full, per)])
    if full < len(rows):
        rest = rows[full:]
        cursor.execute(f"{head} VALUES {', '.join([one] * len(rest))}", tuple(chain.from_iterable(rest)))


def table_checksums(models_: Iterable[type[models.Model]], using: str = "default") -> dict[str, str]:
    """SHA-256 of each table's rows, ordered by primary key: equal seeds give equal checksums."""
    connection = connections[using]
    qn = connection.ops.quote_name
    sums: dict[str, str] = {}
    with connection.cursor() as cursor:
        for model in models_:
            columns = [f.column for f in model._meta.concrete_fields]
            cursor.execute(
                f"SELECT {', '.join(qn(c) for c in columns)} FROM {qn(model._meta.db_table)} "
                f"ORDER BY {qn(model._meta.pk.column)}"  # type: ignore[union-attr]
            )
            digest = hashlib.sha256()
            for row in cursor.fetchall():
                digest.update(repr(row).encode())
                digest.update(b"\n")
            sums[model._meta.db_table] = digest.hexdigest()
    return sums


def overall_checksum(sums: dict[str, str]) -> str:
    return hashlib.sha256("".join(f"{k}={v};" for k, v in sorted(sums.items())).encode()).hexdigest()
