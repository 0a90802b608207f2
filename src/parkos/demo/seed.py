"""The demo portfolio: two deterministic parks in Chinese, loaded by `parkos seed-demo`.

The default park "main" (中关村智造园, large) and "yizhuang" (亦庄创新港, small: buildings Y1/Y2 and the
last six of the 30 demo enterprises, its own operator and butler). Idempotent: every row is keyed by a
natural key (park code, e-mail, credit code, building code) and inserted only when missing, so a second
run changes nothing."""

from __future__ import annotations

import importlib
import importlib.util
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from parkos.accounts.models import Consent, Education, Role, User, UserRole
from parkos.core.models import Park
from parkos.core.parks import park_default, parks_changed
from parkos.demo import words
from parkos.enterprises.models import Building, Enterprise, Headcount, Industry, Membership, Stage
from parkos.enterprises.validators import ALPHABET, make_credit_code

DEMO_PASSWORD = "parkos-demo"
DEMO_DOMAIN = "demo.parkos"
SEED = 20261128

SECOND_PARK = "yizhuang"
# The two demo parks: code -> fields (the default park "main" exists from the migrations: updated).
PARKS: dict[str, dict[str, Any]] = {
    "main": {
        "name": "中关村智造园", "name_en": "Zhongguancun Smart Manufacturing Park",
        "address": "北京市海淀区西北旺东路10号院", "opening_hours": "周一至周五 8:00–21:00，周末 9:00–18:00",
        "brand_colour": "#0b7a5c", "accent_colour": "#e3f4ee", "position": 0,
    },
    SECOND_PARK: {
        "name": "亦庄创新港", "name_en": "Yizhuang Innovation Harbour",
        "address": "北京市大兴区北京经济技术开发区科创十三街18号", "opening_hours": "周一至周六 8:30–19:00",
        "brand_colour": "#1d5fbf", "accent_colour": "#e4edf9", "position": 1,
    },
}

# (login local part, display name, roles: a role held in every park, or (role, park code) for one park)
DEMO_LOGINS: list[tuple[str, str, list[Any]]] = [
    ("operator", "园区运营 · 周晓岚", [Role.OPERATOR]),  # a portfolio operator: every park
    ("butler", "企业管家 · 陈立", [(Role.BUTLER, "main")]),
    ("admin", "思灵机器人 · 刘博", []),
    ("member", "王雨桐", []),
    ("investor", "投资人 · 郑凯", [Role.INVESTOR]),
    ("provider", "服务商 · 孙律师", [Role.PROVIDER]),
    ("merchant", "园区咖啡 · 林店长", [Role.MERCHANT]),
    ("judge", "评委 · 许教授", [Role.JUDGE]),
    ("operator-yz", "亦庄运营 · 马骁", [(Role.OPERATOR, SECOND_PARK)]),
    ("butler-yz", "亦庄管家 · 何静", [(Role.BUTLER, SECOND_PARK)]),
]
EXTRA_BUTLERS = [("butler2", "企业管家 · 赵敏"), ("butler3", "企业管家 · 黄志强")]
BUILDINGS = [("A1", "A1 创新中心", 12), ("A2", "A2 研发楼", 10), ("B1", "B1 智造工坊", 6), ("B2", "B2 孵化器", 8),
             ("C1", "C1 国际人才公寓", 18), ("C2", "C2 会议中心", 4)]
SECOND_PARK_BUILDINGS = [("Y1", "Y1 创新港研发楼", 9), ("Y2", "Y2 智能制造中试基地", 5)]
# The last six demo enterprises are in the second park (their butler: butler-yz).
N_SECOND_PARK = 6
INDUSTRY_MIX = ["ai", "ai", "robotics", "robotics", "medtech", "energy", "software", "software", "services"]
N_ENTERPRISES = 30
N_MEMBERS = 300
# Domains whose demo data is loaded after the people and enterprises, in this order.
DEMO_DOMAINS = ["catalog", "community", "events", "scenes", "space", "access", "rewards", "bookings", "network",
                "competitions", "insights"]


@dataclass
class DemoContext:
    """What the domain seeders get: the demo people by login, the butlers, the 300 members and the
    30 enterprises (思灵机器人 first), and the ``added`` counts to add their own rows to."""

    people: dict[str, User]
    butlers: list[User]
    members: list[User]
    enterprises: list[Enterprise]
    added: dict[str, int]
    parks: dict[str, Park] = field(default_factory=dict)  # "main" and "yizhuang"

    def rng(self, domain: str) -> random.Random:
        return random.Random(f"{SEED}:{domain}")


def demo_email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def credit_code(rng: random.Random) -> str:
    body = "91110108" + "".join(rng.choice(ALPHABET) for _ in range(9))
    return make_credit_code(body)


def _member_fields(rng: random.Random) -> dict[str, Any]:
    education = rng.choices(
        [Education.BACHELOR, Education.MASTER, Education.DOCTORATE, Education.ASSOCIATE, Education.UNSPECIFIED],
        weights=[45, 24, 7, 14, 10])[0]
    skills = rng.sample(words.SKILLS, rng.randint(1, 4))
    interests = rng.sample(words.INTERESTS, rng.randint(1, 4))
    bio = rng.choice(words.BIO_OPENERS).format(n=rng.randint(1, 8), skill=skills[0], interest=interests[0])
    return {"education": education, "skills": skills, "interests": interests, "bio": bio,
            "languages": ["中文"] + (["English"] if rng.random() < 0.5 else [])}


def _seed_parks(added: dict[str, int]) -> dict[str, Park]:
    """The default park takes the demo's names and branding; the second park is created once."""
    parks: dict[str, Park] = {}
    main = park_default()
    changed = {k: v for k, v in PARKS["main"].items() if getattr(main, k) != v}
    if changed:
        Park.objects.filter(pk=main.pk).update(**changed)
        main.refresh_from_db()
    parks["main"] = main
    second, created = Park.objects.get_or_create(code=SECOND_PARK, defaults=PARKS[SECOND_PARK])
    added["parks"] = int(created)
    parks[SECOND_PARK] = second
    if changed or created:
        parks_changed()
    return parks


@transaction.atomic
def seed_demo(*, domains: list[str] | None = None) -> dict[str, int]:
    """Load the demo portfolio; returns how many rows of each kind were added. ``domains``: the later
    domains whose demo data to load (default every one in DEMO_DOMAINS; [] for people and enterprises only)."""
    rng = random.Random(SEED)
    added = {"users": 0, "enterprises": 0, "memberships": 0, "buildings": 0}
    password = make_password(DEMO_PASSWORD)  # one hash for every demo account: seeding stays fast
    joined = datetime(2025, 3, 1, tzinfo=ZoneInfo("Asia/Shanghai"))

    parks = _seed_parks(added)
    for park_code, rows in (("main", BUILDINGS), (SECOND_PARK, SECOND_PARK_BUILDINGS)):
        for code, name, floors in rows:
            _b, created = Building.objects.get_or_create(code=code, defaults={"name": name, "floors": floors,
                                                                              "park": parks[park_code]})
            added["buildings"] += created
    buildings = list(Building.objects.filter(code__in=[b[0] for b in BUILDINGS]).order_by("code"))
    second_buildings = list(Building.objects.filter(code__in=[b[0] for b in SECOND_PARK_BUILDINGS]).order_by("code"))

    def ensure_user(local: str, name: str, extra: dict[str, Any]) -> User:
        user = User.objects.filter(email=demo_email(local)).first()
        if user is None:
            user = User.objects.create(email=demo_email(local), display_name=name, password=password,
                                       date_joined=joined, **extra)
            Consent.objects.create(user=user, kind=Consent.Kind.PRIVACY, version=settings.PRIVACY_POLICY_VERSION)
            added["users"] += 1
        return user

    people: dict[str, User] = {}
    for local, name, roles in DEMO_LOGINS:
        # The second park's people draw from a generator of their own, so adding them shifted nobody else's
        # names (the search relevance set is labelled with the demo's names).
        own = any(isinstance(g, tuple) for g in roles) and local.endswith("-yz")
        people[local] = ensure_user(local, name, _member_fields(random.Random(f"{SEED}:{local}") if own else rng))
        for grant in roles:
            role, park_code = grant if isinstance(grant, tuple) else (grant, None)
            UserRole.objects.get_or_create(user=people[local], role=role,
                                           park=parks[park_code] if park_code else None)
    butlers = [people["butler"]]  # the main park's butlers
    for local, name in EXTRA_BUTLERS:
        user = ensure_user(local, name, _member_fields(rng))
        UserRole.objects.get_or_create(user=user, role=Role.BUTLER, park=parks["main"])
        butlers.append(user)

    members = []
    for i in range(N_MEMBERS):
        fields = _member_fields(rng)
        name = words.person_name(rng)
        members.append(ensure_user(f"m{i:03d}", name, fields))

    industries = {i.code: i for i in Industry.objects.all()}
    enterprises: list[Enterprise] = []
    used_names: set[str] = set()
    for i in range(N_ENTERPRISES):
        code = credit_code(rng)
        top = "robotics" if i == 0 else INDUSTRY_MIX[i % len(INDUSTRY_MIX)]
        prefix = "思灵" if i == 0 else rng.choice([p for p in words.NAME_PREFIX if p not in used_names and p != "思灵"])
        used_names.add(prefix)
        word = "机器人" if i == 0 else rng.choice(words.INDUSTRY_WORDS[top])
        city = "北京"
        tech_form = rng.random() < 0.5
        name = f"{prefix}{word}科技（{city}）有限公司" if tech_form else f"{city}{prefix}{word}有限公司"
        subs = [c for c in industries if c.startswith(top + "-")]
        industry = industries[rng.choice(subs)] if subs and rng.random() < 0.7 else industries[top]
        tags = rng.sample(words.INDUSTRY_TAGS[top], 2)
        in_second_park = i >= N_ENTERPRISES - N_SECOND_PARK
        building = second_buildings[i % 2] if in_second_park else buildings[i % 4]
        defaults = {
            "name": name, "short_name": prefix + word, "industry": industry,
            "name_en": words.enterprise_name_en(prefix, word, city, tech_form=tech_form) if i
            else "Agile Robots (Beijing) Co., Ltd.",
            "stage": rng.choice(Stage.values), "headcount": rng.choice(Headcount.values[:4]),
            "founded_on": date(2012, 1, 1) + timedelta(days=rng.randint(0, 4300)),
            "building": building, "park_id": building.park_id, "floor": str(rng.randint(1, building.floors)), "unit": f"{rng.randint(1, 30):02d}",
            "description": rng.choice(words.DESCRIPTIONS).format(name=prefix + word, tag=tags[0],
                                                                 industry=industry.name_zh,
                                                                 city=rng.choice(words.CITIES)),
            "tags": tags, "needs": rng.choice(words.NEEDS),
            "butler": (people["butler-yz"] if in_second_park else butlers[0] if i < 12 else butlers[1 + i % 2]),
            "butler_assigned_at": joined,
        }
        if i == 0:
            defaults["description"] = "思灵机器人是一家在慕尼黑和北京设有双总部的智能机器人企业，专注协作机器人与具身智能。"
            defaults["tags"] = ["协作机器人", "具身智能"]
        enterprise = Enterprise.objects.filter(credit_code=code).first()
        if enterprise is None:
            enterprise = Enterprise.objects.create(credit_code=code, **defaults)
            added["enterprises"] += 1
        elif in_second_park and enterprise.park_id != building.park_id:
            # A demo database seeded before the second park existed: move these enterprises there.
            moved = {k: defaults[k] for k in ("building", "park_id", "floor", "butler", "butler_assigned_at")}
            Enterprise.objects.filter(pk=enterprise.pk).update(**moved)
            enterprise.refresh_from_db()
            added["moved"] = added.get("moved", 0) + 1
        enterprises.append(enterprise)

    # The demo is the enterprises domain's data loader (as generator/parts/enterprises.py is at scale), so it
    # writes Membership rows directly instead of through invitation_accept and an approval per person; other
    # domains never touch this table and read staff through parkos.enterprises.selectors.
    def ensure_membership(enterprise: Enterprise, user: User, role: str, title: str) -> None:
        if not Membership.objects.filter(user=user).exists():
            Membership.objects.create(enterprise=enterprise, user=user, role=role, title=title)
            added["memberships"] += 1

    ensure_membership(enterprises[0], people["admin"], Membership.Role.ADMIN, "首席运营官")
    ensure_membership(enterprises[0], people["member"], Membership.Role.STAFF, "产品经理")
    titles = ["工程师", "产品经理", "市场经理", "销售总监", "财务", "人事", "研究员", "设计师", "CEO", "CTO"]
    # Staff: the first member of each block of ten administers an enterprise; ~80% of members are staff.
    for i, user in enumerate(members):
        is_admin = i < N_ENTERPRISES - 1
        # Some members belong to no enterprise; never the first 29, who are the enterprises' admins.
        if (i % 10 == 9 and not is_admin) or i >= N_ENTERPRISES * 8:
            continue
        enterprise = enterprises[1 + i % (N_ENTERPRISES - 1)]
        role = Membership.Role.ADMIN if is_admin else Membership.Role.STAFF
        ensure_membership(enterprise, user, role, rng.choice(titles))

    # Each later domain adds its demo data in `parkos/<domain>/demo.py`: `seed_demo(ctx)`, idempotent.
    ctx = DemoContext(people=people, butlers=butlers, members=members, enterprises=enterprises, added=added,
                      parks=parks)
    for domain in DEMO_DOMAINS if domains is None else domains:
        if importlib.util.find_spec(f"parkos.{domain}.demo") is not None:
            importlib.import_module(f"parkos.{domain}.demo").seed_demo(ctx)
    return added
