"""Who may do what to which object: the one policy module of ParkOS.

A rule names the global roles that may act on any object of its kind, the relations to the object
that may act (the object tells its relations to a user through ``relations_for(user)``), and
whether any logged-in member may. Domains call ``require`` inside their services and selectors;
views only show or hide buttons with ``can``. The table-driven test in core/tests/test_policy.py
walks every role x action x relation cell of this table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from parkos.core.errors import Forbidden, NotAuthenticated

# Global roles a user can hold (accounts.Role mirrors these values).
OPERATOR = "operator"
BUTLER = "butler"
PROVIDER = "provider"
MERCHANT = "merchant"
INVESTOR = "investor"
JUDGE = "judge"
GLOBAL_ROLES = (OPERATOR, BUTLER, PROVIDER, MERCHANT, INVESTOR, JUDGE)

# Relations a user can have to an object.
SELF = "self"  # the object is the user's own account
ENTERPRISE_ADMIN = "enterprise_admin"
ENTERPRISE_STAFF = "enterprise_staff"
ASSIGNED_BUTLER = "assigned_butler"
RELATIONS: tuple[str, ...] = (SELF, ENTERPRISE_ADMIN, ENTERPRISE_STAFF, ASSIGNED_BUTLER)


class HasRelations(Protocol):
    def relations_for(self, user: Any) -> set[str]: ...


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str] = field(default_factory=frozenset)
    relations: frozenset[str] = field(default_factory=frozenset)
    authenticated: bool = False
    anyone: bool = False


def _rule(*, roles: tuple[str, ...] = (), relations: tuple[str, ...] = (), authenticated: bool = False,
          anyone: bool = False) -> Rule:
    return Rule(frozenset(roles), frozenset(relations), authenticated, anyone)


RULES: dict[str, Rule] = {
    # accounts
    "account.edit": _rule(relations=(SELF,)),
    "account.export": _rule(relations=(SELF,)),
    "account.delete": _rule(relations=(SELF,)),
    "account.tokens": _rule(relations=(SELF,)),
    "member.view": _rule(authenticated=True),
    "member.view.hidden": _rule(roles=(OPERATOR,), relations=(SELF,)),  # a profile its owner made hidden
    "role.grant": _rule(roles=(OPERATOR,)),
    "admin.access": _rule(roles=(OPERATOR,)),
    # enterprises
    "enterprise.view": _rule(anyone=True),
    "enterprise.create": _rule(authenticated=True),
    "enterprise.edit": _rule(roles=(OPERATOR,), relations=(ENTERPRISE_ADMIN, ASSIGNED_BUTLER)),
    "enterprise.staff.view": _rule(roles=(OPERATOR,), relations=(ENTERPRISE_ADMIN, ENTERPRISE_STAFF, ASSIGNED_BUTLER)),
    "enterprise.staff.manage": _rule(relations=(ENTERPRISE_ADMIN,)),
    "enterprise.invite": _rule(relations=(ENTERPRISE_ADMIN,)),
    "enterprise.admin.transfer": _rule(relations=(ENTERPRISE_ADMIN,)),
    "enterprise.butler.assign": _rule(roles=(OPERATOR,)),
    "enterprise.butler.serve": _rule(roles=(BUTLER,)),  # may be chosen as an enterprise's butler
    "butler.portfolio.view": _rule(roles=(BUTLER, OPERATOR)),
}


# The rules defined here; domains add theirs with ``register`` (and test them in their own tests).
CORE_ACTIONS = frozenset(RULES)


def register(rules: dict[str, Rule], *, relations: tuple[str, ...] = ()) -> None:
    """A domain adds its own rules (from ``<domain>/rules.py``, imported by its AppConfig.ready), so the
    table stays one table without every domain editing this file. An action is defined once."""
    global RELATIONS
    for action in rules:
        if action in RULES:
            raise ValueError(f"policy rule {action!r} is defined twice")
    RULES.update(rules)
    RELATIONS = (*RELATIONS, *(r for r in relations if r not in RELATIONS))


rule = _rule


# A role granted for every park of the portfolio (a portfolio operator), as opposed to one park's id.
ALL_PARKS = None


def role_scopes_of(user: Any) -> dict[str, frozenset[int | None]]:
    """Each role the user holds -> the parks it is granted for (``ALL_PARKS`` for the whole portfolio)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    scopes = getattr(user, "role_scopes", None)
    if scopes is None:  # an account model without park-scoped grants: every role reaches every park
        return {role: frozenset({ALL_PARKS}) for role in getattr(user, "role_codes", ())}
    return dict(scopes)


class _Portfolio:
    """Stands for "every park" as the object of a question (granting a portfolio-wide role, a portfolio
    dashboard): only roles granted for the whole portfolio reach it (no park has id 0)."""

    policy_park_id = 0


PORTFOLIO = _Portfolio()


def park_of(obj: Any) -> int | None:
    """The park an object lives in, for scoping roles: ``policy_park_id`` when the object derives it
    (an order through its enterprise), else its ``park_id`` field; None for portfolio-wide objects."""
    if obj is None:
        return None
    value = getattr(obj, "policy_park_id", None)
    if value is None:
        value = getattr(obj, "park_id", None)
    return value


def roles_of(user: Any, park_id: int | None = None) -> set[str]:
    """The roles ``user`` holds; with ``park_id``, only those that reach that park (granted for it, or
    for the whole portfolio). An operator of park A is no operator in park B."""
    scopes = role_scopes_of(user)
    if park_id is None:
        return set(scopes)
    return {role for role, parks in scopes.items() if ALL_PARKS in parks or park_id in parks}


def role_parks(user: Any, role: str) -> frozenset[int | None]:
    """The parks where ``user`` holds ``role`` (containing ``ALL_PARKS`` for a portfolio-wide grant):
    selectors filter their lists with it, e.g. an operator's moderation queue."""
    return role_scopes_of(user).get(role, frozenset())


def scope_filter(user: Any, role: str, field: str = "park_id") -> dict[str, Any] | None:
    """Queryset filter keyword arguments limiting a list to the parks where ``user`` holds ``role``:
    ``{}`` for a portfolio-wide grant, ``{"park_id__in": [...]}`` for some parks, None for none."""
    parks = role_parks(user, role)
    if not parks:
        return None
    if ALL_PARKS in parks:
        return {}
    return {f"{field}__in": sorted(p for p in parks if p is not None)}


def relations_of(user: Any, obj: Any) -> set[str]:
    if obj is None or user is None or not getattr(user, "is_authenticated", False):
        return set()
    relations_for = getattr(obj, "relations_for", None)
    return set(relations_for(user)) if relations_for else set()


def can(user: Any, action: str, obj: Any = None, *, relations: set[str] | None = None) -> bool:
    """``relations`` lets a page that asks several questions about one object look them up once."""
    rule = RULES[action]
    if rule.anyone:
        return True
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if rule.authenticated:
        return True
    if rule.roles and rule.roles & roles_of(user, park_of(obj)):
        return True
    if not rule.relations:
        return False
    return bool(rule.relations & (relations if relations is not None else relations_of(user, obj)))


def require(user: Any, action: str, obj: Any = None) -> None:
    """Raise NotAuthenticated or Forbidden unless ``user`` may do ``action`` to ``obj``."""
    if can(user, action, obj):
        return
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotAuthenticated()
    raise Forbidden()
