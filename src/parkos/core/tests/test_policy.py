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
