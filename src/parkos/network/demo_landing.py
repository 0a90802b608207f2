"""Demo landing data (落地) of the main park: the 国际创业落地计划 programme (host enterprise: a demo enterprise of
building B2, the park's incubator building; the catalog's R/Z visa invitation and company incorporation
services; two desks for six months) and six applications in Chinese at different stages — submitted,
screening, accepted, visa (its order placed), workstation (desks allocated) and landed (思灵机器人, the demo
enterprise with its second headquarters in Munich) — most referred by the partner organisation whose
contact has a demo account, so its referral view has something to show.

Everything goes through the services, as the operator would do it, so orders, desks and notifications are
real. Idempotent: the programme by (park, name), applications by their applicant's key; an application
already there is not moved again. Tolerates missing reference data (no partner country: no applications)."""

from __future__ import annotations

from typing import Any

from parkos.core.errors import DomainError
from parkos.network.models import Contact, Country, LandingStage, Organisation, Programme
from parkos.network.services.landing import (
    PIPELINE,
    landing_apply,
    landing_link_enterprise,
    landing_move,
    next_stage,
    programme_create,
)

PROGRAMME = "国际创业落地计划"
VISA_SERVICE = "R 字/Z 字签证邀请"
REGISTRATION_SERVICE = "公司设立登记代办"
S = LandingStage

# (applicant's login, key, company, country code, team size, plan, stage to reach, link 思灵 (0) / another (1))
APPLICATIONS: list[tuple[str, str, str, str, int, str, str, int | None]] = [
    ("m290", "demo-landing-1", "Helios Robotics GmbH", "DEU", 6,
     "在园区设立中国研发中心，与本地整机厂合作开发协作机器人关节模组，两年内团队扩展到 20 人。", S.SUBMITTED, None),
    ("m291", "demo-landing-2", "Aalto Quantum Oy", "FIN", 4,
     "把量子传感样机带到北京做中试，寻找医疗影像领域的应用伙伴。", S.SCREENING, None),
    ("m292", "demo-landing-3", "Lumière Medtech SAS", "FRA", 5,
     "在园区完成医疗器械注册检验，设立亚太销售与临床支持团队。", S.ACCEPTED, None),
    ("m293", "demo-landing-4", "Negev Water AI Ltd.", "ISR", 3,
     "为工业园区提供节水算法与传感网络，先在园区内做示范项目。", S.VISA, None),
    ("m294", "demo-landing-5", "Nordic Battery Analytics AB", "SWE", 8,
     "电池健康度分析平台落地，服务园区新能源企业，计划第一年签约 10 家客户。", S.WORKSTATION, 1),
    ("m295", "demo-landing-6", "Agile Robots Munich GmbH", "DEU", 12,
     "慕尼黑团队与北京总部合并研发，扩大具身智能产线。", S.LANDED, 0),
]


def _services(park: Any) -> tuple[Any, Any]:
    from django.db.models import Q

    from parkos.catalog.models import Service

    def find(name: str, prefix: str) -> Any:
        rows = Service.objects.filter(Q(park__isnull=True) | Q(park_id=park.pk), is_active=True).order_by("pk")
        # Services with variants carry the variant in their name (公司设立登记代办（有限责任公司）).
        return (rows.filter(name_zh=name).first() or rows.filter(name_zh__startswith=name).first()
                or rows.filter(category__code__startswith=prefix).first())

    return find(VISA_SERVICE, "talent-visa"), find(REGISTRATION_SERVICE, "registration")


def _programme(park: Any, operator: Any, enterprises: list[Any]) -> tuple[Programme, bool]:
    existing = Programme.objects.filter(park=park, name_zh=PROGRAMME).first()
    if existing is not None:
        return existing, False
    visa, registration = _services(park)
    host = next((e for e in enterprises if e.building_id and e.building.code == "B2"), None) or \
        (enterprises[0] if enterprises else None)
    return programme_create(
        actor=operator, park=park, name_zh=PROGRAMME, name_en="International start-up landing programme",
        description="面向国际合作网络伙伴国家的初创团队：园区孵化器发出签证邀请、代办公司设立登记，提供两个工位六个月，"
                    "并指派企业管家陪伴落地。",
        host_enterprise=host if (visa or registration) else None, visa_service=visa if host else None,
        registration_service=registration if host else None, desks=2, desk_months=6, is_open=True), True


def _reach(landing: Any, *, operator: Any, target: str, enterprise: Any) -> Any:
    """Move a new application step by step to ``target`` (linking the enterprise before its desks)."""
    while landing.stage != target and PIPELINE.index(landing.stage) < PIPELINE.index(target):
        following = next_stage(landing)
        if following is None:
            break
        if following in (S.WORKSTATION, S.BUTLER) and landing.enterprise_id is None:
            if enterprise is None:
                break
            landing = landing_link_enterprise(actor=operator, landing=landing, enterprise=enterprise)
        landing = landing_move(actor=operator, landing=landing, to_stage=following,
                               note="材料齐全，进入下一步。" if following == S.ACCEPTED else "")
    return landing


def demo_landing(*, park: Any, operator: Any, stdout: Any = None) -> dict[str, int]:
    from parkos.accounts.models import User
    from parkos.demo.seed import demo_email
    from parkos.enterprises.models import Industry
    from parkos.enterprises.selectors import enterprise_list

    enterprises = list(enterprise_list(viewer=operator, park=park).select_related("building").order_by("pk"))
    programme, made = _programme(park, operator, enterprises)
    partners = {c.code: c for c in Country.objects.filter(is_partner=True)}
    referrer_contact = Contact.objects.filter(user__isnull=False).select_related("organisation").order_by("pk").first()
    referrer = referrer_contact.organisation if referrer_contact else Organisation.objects.order_by("pk").first()
    industry = Industry.objects.filter(code="robotics").first() or Industry.objects.order_by("pk").first()
    siling = next((e for e in enterprises if e.name.startswith("思灵")), None)
    others = [e for e in enterprises if e is not siling and e.pk != programme.host_enterprise_id]
    added = {"programmes": int(made), "applications": 0}
    if not partners or industry is None:
        if stdout is not None:
            stdout.write("network landing: no partner country or industry yet; applications skipped")
        return added
    fallback = next(iter(partners.values()))
    for n, (local, key, company, code, team, plan, target, link) in enumerate(APPLICATIONS):
        applicant = User.objects.filter(email=demo_email(local)).first()
        if applicant is None:
            continue
        country = partners.get(code, fallback)
        city = country.cities.order_by("pk").first()
        landing, created = landing_apply(
            actor=applicant, programme=programme, company_name=company, country=country, city=city,
            referred_by=referrer if referrer is not None and n != 2 else None, industry=industry, team_size=team,
            plan=plan, website=f"https://{company.split()[0].lower()}.example.com", idempotency_key=key)
        if not created:
            continue
        added["applications"] += 1
        enterprise = siling if link == 0 else (others[0] if link == 1 and others else None)
        try:
            _reach(landing, operator=operator, target=target, enterprise=enterprise)
        except DomainError as error:  # no free desks, no butler: the application waits where it got to
            if stdout is not None:
                stdout.write(f"network landing: {company} stopped before {target}: {error.message}")
    if stdout is not None:
        stdout.write(f"network landing: {added}")
    return added
