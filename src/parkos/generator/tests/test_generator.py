"""The park-year generator: same seed, same bytes; the invariants the domains rely on hold."""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q

from parkos.accounts.models import Education, Role, User, UserRole
from parkos.enterprises.models import Building, Enterprise, Membership
from parkos.enterprises.validators import validate_credit_code
from parkos.generator.parts.accounts import GENERATED_PASSWORD, MEMBERS, email_of
from parkos.generator.parts.enterprises import ENTERPRISES
from parkos.generator.registry import SCALES, YEAR_END, Context, ordered_parts
from parkos.generator.services import park_checksum, park_generate

pytestmark = pytest.mark.django_db


def test_same_seed_same_bytes_and_another_seed_differs() -> None:
    park_generate(scale="tiny", seed=7)
    first = park_checksum()
    park_generate(scale="tiny", seed=7, force=True)
    assert park_checksum() == first
    park_generate(scale="tiny", seed=8, force=True)
    assert park_checksum() != first


def test_refuses_a_database_with_data_unless_forced() -> None:
    call_command("generate", scale="tiny", verbosity=0)
    with pytest.raises(CommandError, match="--force"):
        call_command("generate", scale="tiny", verbosity=0)
    call_command("generate", scale="tiny", force=True, verbosity=0)
    assert User.objects.count() == round(MEMBERS * SCALES["tiny"])


def test_small_park_invariants() -> None:
    report = park_generate(scale="small", seed=1)
    assert User.objects.count() == MEMBERS // 100
    assert Enterprise.objects.count() == ENTERPRISES // 100
    assert Building.objects.count() >= 2
    assert report.rows["members"] == 2 * User.objects.count()  # a privacy consent each

    # Exactly one active admin per enterprise; nobody active at two enterprises.
    admins = Enterprise.objects.annotate(
        n=Count("memberships", filter=Q(memberships__role="admin", memberships__status="active")))
    assert {e.n for e in admins} == {1}
    active = Membership.objects.filter(status=Membership.Status.ACTIVE).values_list("user_id", flat=True)
    assert len(active) == len(set(active))
    assert not Membership.objects.filter(user__role_grants__isnull=False).exists()  # park people aren't staff

    for code in Enterprise.objects.values_list("credit_code", flat=True):
        validate_credit_code(code)
    assert Enterprise.objects.values("name").distinct().count() == Enterprise.objects.count()
    assert not Enterprise.objects.filter(industry__isnull=True).exists()
    assert Enterprise.objects.filter(butler__isnull=False).exclude(butler__role_grants__role=Role.BUTLER).count() == 0
    assert UserRole.objects.filter(role=Role.BUTLER).exists()

    user = User.objects.get(email=email_of(1))
    assert user.check_password(GENERATED_PASSWORD)
    assert not User.objects.filter(date_joined__gt=YEAR_END).exists()


def test_moments_follow_the_weekly_and_daily_rhythm() -> None:
    ctx = Context(seed=3, scale="small")
    ctx.for_part("members")
    joined = [ctx.moment() for _ in range(5000)]
    weekdays = Counter(moment.weekday() < 5 for moment in joined)
    assert weekdays[True] / len(joined) > 0.8  # weekdays carry the park
    night = sum(1 for m in joined if m.hour < 6)
    assert night / len(joined) < 0.05


def test_education_mix_matches_the_brief() -> None:
    park_generate(scale="small", seed=11)
    higher = User.objects.filter(education__in=[Education.MASTER, Education.DOCTORATE]).count()
    assert 0.2 < higher / User.objects.count() < 0.42  # 31% in the brief; 250 members wobble


def test_parts_run_after_their_dependencies() -> None:
    names = [p.name for p in ordered_parts()]
    for p in ordered_parts():
        assert all(names.index(dep) < names.index(p.name) for dep in p.after)


def _generate_enterprises(seed: int) -> Context:
    """Run the parts up to enterprises and memberships only (the other domains' parts have their own tests)."""
    from django.db import transaction

    ctx = Context(seed=seed, scale="small")
    with transaction.atomic():
        for p in ordered_parts(["memberships"]):
            ctx.for_part(p.name)
            p.build(ctx)
    return ctx


def test_a_portfolio_of_three_parks_with_enterprises_in_their_buildings_park() -> None:
    from parkos.core import policy
    from parkos.core.models import Park

    default_id = Park.objects.get(is_default=True).pk
    ctx = _generate_enterprises(5)
    parks = list(Park.objects.order_by("id"))
    assert [p.pk for p in parks] == [default_id, default_id + 1, default_id + 2]  # the default park renamed
    assert [p.code for p in parks] == ["main", "yizhuang", "shunyi"] and parks[0].is_default
    assert parks[0].name == "中关村智造园" and len({p.brand_colour for p in parks}) == 3
    assert Enterprise.objects.count() == ENTERPRISES // 100  # the same totals as a one-park run

    # Every park has buildings and tenants; the default park the most.
    per_park = {p.pk: Enterprise.objects.filter(park=p).count() for p in parks}
    assert all(per_park.values()) and per_park[default_id] > max(per_park[p.pk] for p in parks[1:])
    assert all(Building.objects.filter(park=p).exists() for p in parks)
    assert not Enterprise.objects.exclude(park_id=F("building__park_id")).exists()

    # Operators and butlers hold their role per park (and a few operators portfolio-wide); every enterprise's
    # butler is a butler of its park.
    assert UserRole.objects.filter(role=Role.OPERATOR, park__isnull=True).exists()
    for p in parks:
        assert UserRole.objects.filter(role=Role.BUTLER, park=p).exists(), p.code
        assert UserRole.objects.filter(role=Role.OPERATOR, park=p).exists(), p.code
    for enterprise in Enterprise.objects.filter(butler__isnull=False).select_related("butler"):
        assert policy.can(enterprise.butler, "enterprise.butler.serve", enterprise), enterprise.pk

    # The keys the other domains' parts read.
    assert ctx.shared["park_ids"] == [p.pk for p in parks]
    assert ctx.shared["building_park"] == dict(Building.objects.values_list("id", "park_id"))
    assert ctx.shared["enterprise_park"] == dict(Enterprise.objects.values_list("id", "park_id"))


def test_the_portfolio_parts_are_deterministic() -> None:
    from parkos.core.models import Park
    from parkos.generator.registry import part_models, table_checksums

    _generate_enterprises(5)
    models = part_models(ordered_parts(["memberships"]))
    first = table_checksums(models), list(Park.objects.order_by("id").values())
    for model in reversed(models):
        model.objects.all().delete()
    _generate_enterprises(5)
    assert (table_checksums(models), list(Park.objects.order_by("id").values())) == first


def test_rows_made_in_a_second_process_are_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    from parkos.generator.parts import access, scenes

    monkeypatch.setenv("GENERATOR_PIPELINE", "0")
    park_generate(scale="tiny", seed=7)
    here = park_checksum()
    monkeypatch.setenv("GENERATOR_PIPELINE", "1")
    monkeypatch.setattr(scenes, "PIPELINE_FROM", 0)  # the big parts' pipelines, even at this size
    monkeypatch.setattr(access, "PIPELINE_FROM", 0)
    park_generate(scale="tiny", seed=7, force=True)
    assert park_checksum() == here


def _fails_midway() -> Generator[int, None, None]:
    yield 1
    raise ValueError("no more rows")


def test_a_failing_producer_fails_the_run() -> None:
    from parkos.generator.bulk import pipelined

    got: list[int] = []
    with pytest.raises(RuntimeError, match="no more rows"):
        pipelined(_fails_midway, got.append, )
    assert got == [1]

    def count() -> Generator[int, None, str]:
        yield from range(5)
        return "done"

    assert pipelined(count, got.append, ) == "done"
    assert got == [1, 0, 1, 2, 3, 4]
