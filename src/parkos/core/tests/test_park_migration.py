"""The park migrations move a populated one-park database into the default park without losing a row.

The test migrates the test database back to the state before every app's park migration (found by name:
any ParkOS migration whose name contains "park", so apps that add theirs later are covered as they land),
fills rows through the historical models, migrates forward to the latest state and compares: the same
number of rows in every table, and every row that has a park in the default park (a nullable park —
"every park", e.g. a portfolio-wide role — stays empty or is the default). It runs on SQLite and on
PostgreSQL (CI) alike, and leaves the database migrated to the latest state."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import pytest
from django.apps import apps as global_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from parkos.conftest import ensure_industries

Key = tuple[str, str]


def _ours(label: str) -> bool:
    try:
        return global_apps.get_app_config(label).name.startswith("parkos.")
    except LookupError:
        return False


def before_parks(executor: MigrationExecutor) -> tuple[list[Key], list[tuple[str, str | None]]]:
    """The park migrations, and for each app that has one the migration just before its first (or None)."""
    graph = executor.loader.graph
    park = sorted(key for key in graph.nodes if "park" in key[1] and _ours(key[0]))
    targets: list[tuple[str, str | None]] = []
    for label in sorted({app for app, _name in park}):
        first = min(name for app, name in park if app == label)
        parents = [p.key for p in graph.node_map[(label, first)].parents if p.key[0] == label]
        targets.append((label, parents[0][1] if parents else None))
    return park, targets


def migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def populate(old: Any) -> None:
    """A few rows of a one-park deployment, written through the models as they were before the parks."""
    User = old.get_model("accounts", "User")
    UserRole = old.get_model("accounts", "UserRole")
    Industry = old.get_model("enterprises", "Industry")
    Building = old.get_model("enterprises", "Building")
    Enterprise = old.get_model("enterprises", "Enterprise")
    Membership = old.get_model("enterprises", "Membership")

    users = [User.objects.create(email=f"mig{i}@example.com", display_name=f"迁移{i}", password="!")
             for i in range(6)]
    UserRole.objects.create(user=users[0], role="operator")
    UserRole.objects.create(user=users[1], role="butler")
    UserRole.objects.create(user=users[1], role="investor")
    if not Industry.objects.exists():  # an earlier transactional test flushed the taxonomy: load it again
        import_module("parkos.enterprises.migrations.0002_industries").load(old, None)
    industry = Industry.objects.order_by("pk").first()
    buildings = [Building.objects.create(code=f"MG{i}", name=f"迁移楼{i}", floors=5 + i) for i in range(3)]
    for i in range(4):
        enterprise = Enterprise.objects.create(
            name=f"迁移科技{i}有限公司", credit_code=f"91110108MIG00000{i:02d}", industry=industry,
            building=buildings[i % 3] if i < 3 else None, butler=users[1] if i % 2 else None,
            created_by=users[2 + i])
        Membership.objects.create(enterprise=enterprise, user=users[2 + i], role="admin", status="active")


def _value(field: Any, n: int) -> Any:
    """A plausible value for a required field of a historical model (the other apps' rows, made generically
    so that apps whose park migrations land later are populated too)."""
    from datetime import date, timedelta

    from django.db import models
    from django.utils import timezone

    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.ForeignKey | models.OneToOneField):
        return field.related_model._base_manager.order_by("pk").first()
    if isinstance(field, models.DateTimeField):
        return timezone.now() + timedelta(days=n)
    if isinstance(field, models.DateField):
        return date(2026, 1, 1) + timedelta(days=n)
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.DecimalField | models.FloatField | models.IntegerField | models.DurationField):
        return timedelta(hours=1) if isinstance(field, models.DurationField) else 1 + n
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.UUIDField):
        import uuid

        return uuid.uuid4()
    if isinstance(field, models.GenericIPAddressField):
        return "127.0.0.1"
    if isinstance(field, models.CharField | models.TextField):
        text = f"迁移{field.name}{n}"
        return text[: field.max_length] if field.max_length else text
    return None


def populate_parked_models(old: Any) -> set[str]:
    """One row in each table that a park migration gives a park (events, posts, orders, maps …), filled
    generically through the historical model; tables whose rows need more than that are left empty
    (their counts are still compared). Returns the labels populated."""
    from django.db import transaction

    wanted = [m for m in global_apps.get_models() if park_fields(m) and _ours(m._meta.app_label)
              and m._meta.label not in {"enterprises.Building", "enterprises.Enterprise", "accounts.UserRole"}]
    done: set[str] = set()
    for _pass in range(3):  # a later table may need a row of an earlier one
        for model in wanted:
            label = model._meta.label
            try:
                historical = old.get_model(model._meta.app_label, model._meta.model_name)
            except LookupError:
                continue
            if label in done:
                continue
            values = {}
            for field in historical._meta.concrete_fields:
                if field.primary_key or field.null or field.has_default() or getattr(field, "auto_now", False) \
                        or getattr(field, "auto_now_add", False):
                    continue
                values[field.name] = _value(field, len(done))
            if any(v is None for v in values.values()):
                continue
            try:
                with transaction.atomic():
                    historical._base_manager.create(**values)
            except Exception:  # a constraint the generic values do not meet: leave it empty
                continue
            done.add(label)
    return done


def row_counts(apps_: Any) -> dict[str, int]:
    return {m._meta.label: m._base_manager.count() for m in apps_.get_models() if _ours(m._meta.app_label)
            and not m._meta.proxy and m._meta.managed}


def park_fields(model: Any) -> list[Any]:
    return [f for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is not None and f.related_model._meta.label == "core.Park"]


@pytest.mark.django_db(transaction=True)
def test_a_populated_database_moves_into_the_default_park_without_loss() -> None:
    executor = MigrationExecutor(connection)
    park_migrations, targets = before_parks(executor)
    assert {("core", "0002_parks"), ("enterprises", "0003_parks"), ("accounts", "0002_role_park")} <= set(park_migrations)
    assert ("core", "0001_initial") in targets and ("enterprises", "0002_industries") in targets
    try:
        executor.migrate(targets)
        executor = MigrationExecutor(connection)
        applied = set(executor.loader.applied_migrations)
        assert not applied & set(park_migrations), "every park migration is unapplied"
        old = executor.loader.project_state([(app, name) for app, name in targets if name is not None]).apps
        populate(old)
        populated = populate_parked_models(old)
        before = row_counts(old)
        assert before["enterprises.Enterprise"] >= 4 and before["accounts.UserRole"] >= 3

        migrate_to_latest()

        after = row_counts(global_apps)
        assert {label: after.get(label) for label in before} == before  # nothing lost, nothing doubled
        Park = global_apps.get_model("core", "Park")
        default = Park.objects.get(is_default=True)
        assert Park.objects.count() == 1 and default.code == "main"
        for model in global_apps.get_models():
            for field in park_fields(model):
                rows = model._base_manager.all()
                elsewhere = rows.exclude(**{field.name: default}).exclude(**{f"{field.name}__isnull": True})
                assert not elsewhere.exists(), f"{model._meta.label}.{field.name}: a row outside the default park"
                if not field.null:
                    assert rows.filter(**{field.name: default}).count() == rows.count(), model._meta.label
        UserRole = global_apps.get_model("accounts", "UserRole")
        # Roles of a one-park deployment become portfolio-wide grants (they reach every park, as before).
        assert set(UserRole.objects.filter(user__email__startswith="mig").values_list("role", "park_id")) == {
            ("operator", None), ("butler", None), ("investor", None)}
        Enterprise = global_apps.get_model("enterprises", "Enterprise")
        moved = Enterprise.objects.filter(credit_code__startswith="91110108MIG")
        assert moved.count() == 4 and set(moved.values_list("park_id", flat=True)) == {default.pk}
        print("populated through the historical models:", sorted(populated))
    finally:
        migrate_to_latest()  # whatever happened: leave the database at the latest state
        ensure_industries()
