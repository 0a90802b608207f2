"""Members (users and their privacy consent) and the people holding park roles."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password

from parkos.accounts.models import Consent, Education, Role
from parkos.demo import words
from parkos.generator.registry import PARK_TZ, YEAR_END, YEAR_START, Context, part

MEMBERS = 25_000
GENERATED_PASSWORD = "parkos-demo"
EMAIL_DOMAIN = "gen.parkos"
# The park opened its platform before the generated year; a little over half the members joined then.
PLATFORM_OPENED = datetime(2019, 3, 1, tzinfo=PARK_TZ)
JOINED_BEFORE_YEAR = 0.55
# 31% of active users hold a master's degree or higher (seed/brief.md).
EDUCATION_MIX = [(Education.DOCTORATE, 8), (Education.MASTER, 23), (Education.BACHELOR, 46),
                 (Education.ASSOCIATE, 12), (Education.HIGH_SCHOOL, 4), (Education.UNSPECIFIED, 7)]
MOBILE_PREFIXES = ["133", "135", "136", "138", "139", "150", "151", "158", "176", "177", "180", "186", "188", "199"]
# Park roles at seed scale: about one butler per 40 enterprises, and the few people of each other role.
ROLE_HOLDERS: dict[str, int] = {Role.OPERATOR: 12, Role.INVESTOR: 80, Role.PROVIDER: 60, Role.MERCHANT: 40, Role.JUDGE: 25}
ENTERPRISES_PER_BUTLER = 40


def email_of(user_id: int) -> str:
    return f"u{user_id:06d}@{EMAIL_DOMAIN}"


def password_hash(seed: int) -> str:
    # One hash for every generated account (hashing 25,000 passwords would take minutes), with a salt
    # drawn from the seed, so the stored bytes are the same on every run.
    salt = hashlib.sha256(f"parkos-generator:{seed}".encode()).hexdigest()[:22]
    return make_password(GENERATED_PASSWORD, salt=salt)


@part("members", models=("accounts.User", "accounts.Consent"), rows=lambda f: 2 * max(1, round(MEMBERS * f)))
def members(ctx: Context) -> int:
    rng = ctx.rng
    n = ctx.count(MEMBERS)
    password = password_hash(ctx.seed)
    joined = sorted(
        ctx.moment(PLATFORM_OPENED, YEAR_START) if rng.random() < JOINED_BEFORE_YEAR else ctx.moment()
        for _ in range(n)
    )
    # The long tail: activity follows a Pareto law, so a few members are very active and most are quiet.
    activity = [rng.paretovariate(1.16) for _ in range(n)]
    ctx.shared["joined"] = joined
    ctx.shared["activity"] = activity
    ctx.ids["members"] = range(1, n + 1)
    educations, education_weights = zip(*EDUCATION_MIX, strict=True)

    def users() -> object:
        for i in range(1, n + 1):
            date_joined = joined[i - 1]
            skills = rng.sample(words.SKILLS, rng.randint(1, 4))
            interests = rng.sample(words.INTERESTS, rng.randint(1, 5))
            bio = rng.choice(words.BIO_OPENERS).format(n=rng.randint(1, 8), skill=skills[0], interest=interests[0])
            if rng.random() < 0.08:
                last_login = None  # signed up, never came back
            else:
                days_ago = min(365.0, rng.expovariate(activity[i - 1] / 20))
                since = max(date_joined, YEAR_END - timedelta(days=days_ago + 1))
                last_login = ctx.moment(since, YEAR_END)
            mobile = None
            if rng.random() < 0.45:  # i * 7919 mod 10^8 is distinct for every i: mobiles stay unique
                mobile = rng.choice(MOBILE_PREFIXES) + f"{(i * 7919 + 20261128) % 10**8:08d}"
            yield (
                i, password, last_login, False, email_of(i), mobile, words.person_name(rng), "",
                bio if rng.random() < 0.7 else "",
                rng.choices(educations, weights=education_weights)[0], skills, interests,
                ["中文"] + (["English"] if rng.random() < 0.45 else []) + (["日本語"] if rng.random() < 0.03 else []),
                rng.random() < 0.9,
                rng.choices(["zh-hans", "en", "zh-hant"], weights=[92, 5, 3])[0],
                rng.random() > 0.005, date_joined,
            )

    total = ctx.insert(
        "accounts.User",
        ["id", "password", "last_login", "is_superuser", "email", "mobile", "display_name", "avatar", "bio",
         "education", "skills", "interests", "languages", "is_public", "language", "is_active", "date_joined"],
        users(),  # type: ignore[arg-type]
    )
    total += ctx.insert(
        "accounts.Consent", ["id", "user_id", "kind", "version", "accepted_at", "ip_address"],
        ((i, i, Consent.Kind.PRIVACY, settings.PRIVACY_POLICY_VERSION, joined[i - 1], None) for i in range(1, n + 1)),
    )
    return total


# Operators and butlers are granted per park (shares by park position, like the buildings); this many
# operators run the whole portfolio. The other roles are portfolio-wide.
PORTFOLIO_OPERATORS = 2
PARK_ROLES = (Role.OPERATOR, Role.BUTLER)


def butler_count(ctx: Context) -> int:
    from parkos.generator.parts.enterprises import ENTERPRISES, PARKS

    return max(len(PARKS), -(-ctx.count(ENTERPRISES) // ENTERPRISES_PER_BUTLER))


def _role_parks(role: str, user_ids: list[int], park_ids: list[int]) -> list[int | None]:
    """The park of each holder of ``role``: the first operators portfolio-wide, then every park at least one
    holder (while there are enough), the default park the most."""
    from parkos.generator.parts.enterprises import park_sizes

    if role not in PARK_ROLES:
        return [None] * len(user_ids)
    portfolio = max(0, min(PORTFOLIO_OPERATORS, len(user_ids) - len(park_ids))) if role == Role.OPERATOR else 0
    rest = len(user_ids) - portfolio
    parks: list[int | None] = [None] * portfolio
    if rest < len(park_ids):
        return [*parks, *park_ids[:rest]]
    for park_id, size in zip(park_ids, park_sizes(rest, len(park_ids)), strict=True):
        parks.extend([park_id] * size)
    return parks


def operator_minimum() -> int:
    """A portfolio operator and one operator per park, at any scale."""
    from parkos.generator.parts.enterprises import PARKS

    return 1 + len(PARKS)


@part("roles", after=("members", "parks"), models=("accounts.UserRole",),
      rows=lambda f: sum(max(operator_minimum() if r == Role.OPERATOR else 1, round(v * f))
                         for r, v in ROLE_HOLDERS.items()) + max(3, round(30 * f)))
def roles(ctx: Context) -> int:
    """Butlers, operators, investors, providers, merchants and judges: park people, not tenants' staff.
    Operators and butlers hold their role in one park (a few operators in every park); the rest
    portfolio-wide. Publishes ``role_holders`` (role -> ids), ``role_parks`` (role -> {id: park id or None})
    and ``butlers_by_park``/``operators_by_park`` (park id or None -> ids)."""
    rng = ctx.rng
    joined = ctx.shared["joined"]
    wanted: dict[str, int] = {Role.BUTLER: butler_count(ctx), **{role: ctx.count(n) for role, n in ROLE_HOLDERS.items()}}
    wanted[Role.OPERATOR] = max(wanted[Role.OPERATOR], operator_minimum())
    holders = rng.sample(list(ctx.ids["members"]), sum(wanted.values()))
    by_role: dict[str, list[int]] = {}
    start = 0
    for role, n in wanted.items():
        by_role[role] = sorted(holders[start:start + n])
        start += n
    ctx.shared["role_holders"] = by_role
    ctx.shared["reserved"] = set(holders)  # not staff of a tenant enterprise
    park_ids = ctx.shared["park_ids"]
    role_parks: dict[str, dict[int, int | None]] = {
        role: dict(zip(user_ids, _role_parks(role, user_ids, park_ids), strict=True)) for role, user_ids in by_role.items()
    }
    ctx.shared["role_parks"] = role_parks
    for role, key in ((Role.BUTLER, "butlers_by_park"), (Role.OPERATOR, "operators_by_park")):
        grouped: dict[int | None, list[int]] = {}
        for user_id, park_id in role_parks[role].items():
            grouped.setdefault(park_id, []).append(user_id)
        ctx.shared[key] = grouped
    granter = by_role[Role.OPERATOR][0]  # a portfolio operator
    rows = []
    for role, user_ids in by_role.items():
        for user_id in user_ids:
            granted_at = ctx.moment(joined[user_id - 1], YEAR_END)
            rows.append((user_id, role, granted_at, None if user_id == granter else granter, role_parks[role][user_id]))
    rows.sort(key=lambda r: (r[0], r[1]))
    return ctx.insert("accounts.UserRole", ["id", "user_id", "role", "granted_at", "granted_by_id", "park_id"],
                      ((i, *row) for i, row in enumerate(rows, start=1)))
