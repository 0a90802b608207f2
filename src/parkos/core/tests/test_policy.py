"""The permission policy, cell by cell: every role x action x ownership of parkos.core.policy.RULES.

The expected table is written out by hand (not derived from RULES), so a change to a rule that is not
also made here fails a test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core import policy
from parkos.core.errors import Forbidden, NotAuthenticated
from parkos.enterprises.models import Membership
from parkos.enterprises.tests.factories import EnterpriseFactory, MembershipFactory

ROLES = ("anonymous", "member", "enterprise_admin", "enterprise_staff", "butler", "operator", "provider",
         "merchant", "investor", "judge")
OWN, OTHER = "own", "other"

# Which object each action is checked on: "account" (own = the actor's account, other = someone
# else's), "enterprise" (own = the actor's enterprise, or for a butler the enterprise assigned to them;
# other = an unrelated enterprise) or None (no object: both columns must agree).
KIND = {
    "account.edit": "account",
    "account.export": "account",
    "account.delete": "account",
    "account.tokens": "account",
    "member.view": None,
    "member.view.hidden": "account",
    "role.grant": None,
    "admin.access": None,
    "enterprise.view": "enterprise",
    "enterprise.create": None,
    "enterprise.edit": "enterprise",
    "enterprise.staff.view": "enterprise",
    "enterprise.staff.manage": "enterprise",
    "enterprise.invite": "enterprise",
    "enterprise.admin.transfer": "enterprise",
    "enterprise.butler.assign": "enterprise",
    "enterprise.butler.serve": None,
    "butler.portfolio.view": None,
}

Y, N = True, False
ALL_LOGGED_IN = {role: (Y, Y) for role in ROLES if role != "anonymous"} | {"anonymous": (N, N)}
NOBODY = {role: (N, N) for role in ROLES}
SELF_ONLY = {role: (Y, N) for role in ROLES if role != "anonymous"} | {"anonymous": (N, N)}
OPERATOR_ONLY = NOBODY | {"operator": (Y, Y)}
OWN_ADMIN_ONLY = NOBODY | {"enterprise_admin": (Y, N)}

# EXPECTED[action][role] = (allowed on own object, allowed on other object)
EXPECTED: dict[str, dict[str, tuple[bool, bool]]] = {
    "account.edit": SELF_ONLY,
    "account.export": SELF_ONLY,
    "account.delete": SELF_ONLY,
    "account.tokens": SELF_ONLY,
    "member.view": ALL_LOGGED_IN,
    "member.view.hidden": SELF_ONLY | {"operator": (Y, Y)},
    "role.grant": OPERATOR_ONLY,
    "admin.access": OPERATOR_ONLY,
    "enterprise.view": {role: (Y, Y) for role in ROLES},
    "enterprise.create": ALL_LOGGED_IN,
    "enterprise.edit": NOBODY | {"enterprise_admin": (Y, N), "butler": (Y, N), "operator": (Y, Y)},
    "enterprise.staff.view": NOBODY | {"enterprise_admin": (Y, N), "enterprise_staff": (Y, N), "butler": (Y, N),
                                       "operator": (Y, Y)},
    "enterprise.staff.manage": OWN_ADMIN_ONLY,
    "enterprise.invite": OWN_ADMIN_ONLY,
    "enterprise.admin.transfer": OWN_ADMIN_ONLY,
    "enterprise.butler.assign": OPERATOR_ONLY,
    "enterprise.butler.serve": NOBODY | {"butler": (Y, Y)},
    "butler.portfolio.view": NOBODY | {"butler": (Y, Y), "operator": (Y, Y)},
}


@dataclass
class World:
    actor: Any
    own: dict[str, Any]
    other: dict[str, Any]


def build_world(role: str) -> World:
    other_enterprise = EnterpriseFactory()
    MembershipFactory(enterprise=other_enterprise, role=Membership.Role.ADMIN)
    other_account = UserFactory()
    own_enterprise = EnterpriseFactory()
    if role == "anonymous":
        return World(AnonymousUser(), {"account": UserFactory(), "enterprise": own_enterprise},
                     {"account": other_account, "enterprise": other_enterprise})
    global_roles = {"butler": [Role.BUTLER], "operator": [Role.OPERATOR], "provider": [Role.PROVIDER],
                    "merchant": [Role.MERCHANT], "investor": [Role.INVESTOR], "judge": [Role.JUDGE]}
    actor = UserFactory(roles=global_roles.get(role, []))
    if role == "enterprise_admin":
        MembershipFactory(enterprise=own_enterprise, user=actor, role=Membership.Role.ADMIN)
    elif role == "enterprise_staff":
        MembershipFactory(enterprise=own_enterprise, role=Membership.Role.ADMIN)
        MembershipFactory(enterprise=own_enterprise, user=actor, role=Membership.Role.STAFF)
    elif role == "butler":
        own_enterprise.butler = actor
        own_enterprise.save()
        # Another butler looks after the "other" enterprise: not assigned to this one.
        other_enterprise.butler = UserFactory(roles=[Role.BUTLER])
        other_enterprise.save()
    return World(actor, {"account": actor, "enterprise": own_enterprise},
                 {"account": other_account, "enterprise": other_enterprise})


def test_table_covers_every_rule_and_role() -> None:
    # Later domains register their own rules (policy.register) and test them in their own tests.
    core = set(policy.CORE_ACTIONS)
    assert set(EXPECTED) == core, "every core action in RULES needs a row in the expected table"
    assert set(KIND) == core
    for action, row in EXPECTED.items():
        assert set(row) == set(ROLES), action
        if KIND[action] is None:
            assert all(own == other for own, other in row.values()), action


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_cell(role: str) -> None:
    world = build_world(role)
    wrong = []
    for action in EXPECTED:
        kind = KIND[action]
        for column, objects in ((OWN, world.own), (OTHER, world.other)):
            obj = objects[kind] if kind else None
            expected = EXPECTED[action][role][0 if column == OWN else 1]
            allowed = policy.can(world.actor, action, obj)
            if allowed != expected:
                wrong.append(f"{role} {action} {column}: expected {expected}, got {allowed}")
            if expected:
                policy.require(world.actor, action, obj)
            else:
                error = NotAuthenticated if role == "anonymous" else Forbidden
                with pytest.raises(error):
                    policy.require(world.actor, action, obj)
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
def test_pending_member_has_no_staff_relation() -> None:
    enterprise = EnterpriseFactory()
    pending = UserFactory()
    MembershipFactory(enterprise=enterprise, user=pending, status=Membership.Status.PENDING)
    assert enterprise.relations_for(pending) == set()
    assert not policy.can(pending, "enterprise.staff.view", enterprise)


@pytest.mark.django_db
def test_inactive_user_loses_roles_and_relations() -> None:
    user = UserFactory(roles=[Role.OPERATOR], is_active=False)
    assert not policy.can(user, "admin.access")
    assert not policy.can(user, "account.edit", user)
    assert not policy.can(user, "member.view")
    with pytest.raises(Forbidden):
        policy.require(user, "role.grant")


def test_anonymous_has_no_relations() -> None:
    assert policy.roles_of(AnonymousUser()) == set()
    assert policy.relations_of(AnonymousUser(), object()) == set()
    assert policy.roles_of(None) == set()


# --- the park dimension --------------------------------------------------------------------------
# Roles are granted per park (or portfolio-wide); the policy asks the object's own park. Each core action
# is checked on an object of park A and on the same kind of object of park B, for people holding their role
# in park A only and for people holding it portfolio-wide. Objects:
# - "enterprise": an enterprise of the park (no relation to the actor: roles alone decide);
# - "park": the park itself (what a role is granted in; a butler's portfolio of that park);
# - "portfolio": ``policy.PORTFOLIO`` in both columns (portfolio-wide grants, the Django admin);
# - "account": a member employed in that park. Accounts span the portfolio (DESIGN.md): an account has no
#   park, so a role held in any park counts on it (only ``member.view.hidden`` is role-based there);
# - None: no object.
PARK_ACTORS = ("operator_a", "butler_a", "portfolio_operator", "portfolio_butler")
PARK_KIND = {
    "account.edit": "account", "account.export": "account", "account.delete": "account", "account.tokens": "account",
    "member.view": None, "member.view.hidden": "account",
    "role.grant": "park", "admin.access": "portfolio",
    "enterprise.view": "enterprise", "enterprise.create": None, "enterprise.edit": "enterprise",
    "enterprise.staff.view": "enterprise", "enterprise.staff.manage": "enterprise", "enterprise.invite": "enterprise",
    "enterprise.admin.transfer": "enterprise", "enterprise.butler.assign": "enterprise",
    "enterprise.butler.serve": "enterprise", "butler.portfolio.view": "park",
}
_NONE = {actor: (N, N) for actor in PARK_ACTORS}
_EVERYONE = {actor: (Y, Y) for actor in PARK_ACTORS}
_OPERATOR_OF_A = _NONE | {"operator_a": (Y, N), "portfolio_operator": (Y, Y)}
# PARK_EXPECTED[action][actor] = (allowed on park A's object, allowed on park B's object)
PARK_EXPECTED: dict[str, dict[str, tuple[bool, bool]]] = {
    "account.edit": _NONE, "account.export": _NONE, "account.delete": _NONE, "account.tokens": _NONE,
    "member.view": _EVERYONE,
    "member.view.hidden": _NONE | {"operator_a": (Y, Y), "portfolio_operator": (Y, Y)},  # accounts: no park
    "role.grant": _OPERATOR_OF_A,
    "admin.access": _NONE | {"portfolio_operator": (Y, Y)},  # the admin spans every park: portfolio operators
    "enterprise.view": _EVERYONE,
    "enterprise.create": _EVERYONE,
    "enterprise.edit": _OPERATOR_OF_A,
    "enterprise.staff.view": _OPERATOR_OF_A,
    "enterprise.staff.manage": _NONE,
    "enterprise.invite": _NONE,
    "enterprise.admin.transfer": _NONE,
    "enterprise.butler.assign": _OPERATOR_OF_A,
    "enterprise.butler.serve": _NONE | {"butler_a": (Y, N), "portfolio_butler": (Y, Y)},
    "butler.portfolio.view": {"operator_a": (Y, N), "butler_a": (Y, N), "portfolio_operator": (Y, Y),
                              "portfolio_butler": (Y, Y)},
}


def test_park_table_covers_every_core_action() -> None:
    assert set(PARK_EXPECTED) == set(policy.CORE_ACTIONS) == set(PARK_KIND)
    for action, row in PARK_EXPECTED.items():
        assert set(row) == set(PARK_ACTORS), action
        if PARK_KIND[action] in (None, "account", "portfolio"):
            assert all(a == b for a, b in row.values()), action  # no park: both columns agree


@pytest.mark.django_db
@pytest.mark.parametrize("actor_name", PARK_ACTORS)
def test_every_cell_of_the_park_dimension(actor_name: str) -> None:
    from parkos.core.models import Park
    from parkos.core.parks import park_default

    park_a = park_default()
    park_b = Park.objects.create(code="b", name="乙园")
    role, park = {"operator_a": (Role.OPERATOR, park_a), "butler_a": (Role.BUTLER, park_a),
                  "portfolio_operator": (Role.OPERATOR, None), "portfolio_butler": (Role.BUTLER, None)}[actor_name]
    actor = UserFactory(roles=[(role, park)])
    objects: dict[str, tuple[Any, Any]] = {
        "enterprise": (EnterpriseFactory(park=park_a), EnterpriseFactory(park=park_b)),
        "park": (park_a, park_b),
        "portfolio": (policy.PORTFOLIO, policy.PORTFOLIO),
        "account": (MembershipFactory(enterprise=EnterpriseFactory(park=park_a)).user,
                    MembershipFactory(enterprise=EnterpriseFactory(park=park_b)).user),
    }
    wrong = []
    for action, row in PARK_EXPECTED.items():
        kind = PARK_KIND[action]
        for column, expected in enumerate(row[actor_name]):
            obj = objects[kind][column] if kind else None
            allowed = policy.can(actor, action, obj)
            if allowed != expected:
                wrong.append(f"{actor_name} {action} on park {'AB'[column]}: expected {expected}, got {allowed}")
            if not expected:
                with pytest.raises(Forbidden):
                    policy.require(actor, action, obj)
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
def test_a_role_in_park_a_does_not_reach_park_b_through_relations_either() -> None:
    """Relations come from the object itself and are not park-scoped: the assigned butler of an enterprise of
    park B acts on it as its butler even when their butler role is held in park A (the services never assign
    such a butler: enterprises/tests/test_parks.py)."""
    from parkos.core.models import Park
    from parkos.core.parks import park_default

    park_b = Park.objects.create(code="b", name="乙园")
    butler_a = UserFactory(roles=[(Role.BUTLER, park_default())])
    enterprise_b = EnterpriseFactory(park=park_b, butler=butler_a)
    assert policy.can(butler_a, "enterprise.edit", enterprise_b)  # as its assigned butler
    assert not policy.can(butler_a, "enterprise.butler.serve", enterprise_b)  # but not a butler of park B
