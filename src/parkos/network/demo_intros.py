"""Demo data of introductions, the investor's pipeline and a data room: investor@demo.parkos (郑凯) with an
investor profile and a few enterprises on his pipeline; an introduction asked by 思灵机器人's admin
(admin@demo.parkos), passed on by the butler and waiting for the investor; an earlier one he accepted; a
data room of 思灵机器人 with Chinese terms and a small generated PDF business plan, shared with him, his
consent given and a few lines of log.

Idempotent: introductions on their requester's keys, the room on its title, the grant on the one current
grant, the log only written with the room."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

DEMO_DOMAIN = "demo.parkos"
ROOM_TITLE = "A 轮融资资料室"
TERMS = ("一、本资料室中的全部资料仅供贵方评估对思灵机器人的投资之用。\n"
         "二、未经思灵机器人书面同意，不得向任何第三方披露、复制或转发。\n"
         "三、保密义务自接受本条款之日起三年内有效。\n"
         "四、访问与下载记录将被保存，并对思灵机器人可见。")


def minimal_pdf(text: str = "Business plan") -> bytes:
    """A small valid one-page PDF written by hand (no dependency): a title line in Helvetica."""
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    content = f"BT /F1 24 Tf 72 720 Td ({safe}) Tj ET".encode("latin-1", "replace")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def demo_intros(*, park: Any, stdout: Any = None) -> dict[str, int]:
    from parkos.accounts.models import User
    from parkos.enterprises.models import Enterprise
    from parkos.network.models import DataRoom, IntroductionStatus, Investor
    from parkos.network.services import datarooms as rooms
    from parkos.network.services import introductions as intros
    from parkos.network.services.pipeline import pipeline_add, pipeline_update

    added = {"pipeline": 0, "introductions": 0, "rooms": 0}
    investor_user = User.objects.filter(email=f"investor@{DEMO_DOMAIN}").first()
    admin = User.objects.filter(email=f"admin@{DEMO_DOMAIN}").first()
    siling = (Enterprise.objects.filter(park=park, short_name="思灵机器人").first()
              or Enterprise.objects.filter(park=park, name__contains="思灵").first())
    if investor_user is None or admin is None or siling is None:
        if stdout is not None:
            stdout.write("network intros: the demo investor, admin or 思灵机器人 is missing; skipped")
        return added
    investor, _ = Investor.objects.get_or_create(user=investor_user, defaults={
        "title": "投资合伙人", "thesis": "关注机器人、人工智能与智能制造的早期项目，单笔 500–3000 万元。",
        "stages": ["angel", "series_a"], "regions": ["北京", "长三角"], "ticket_min_wan": 500,
        "ticket_max_wan": 3000})

    # The pipeline: a few other enterprises of the park at different stages, with private notes.
    others = list(Enterprise.objects.filter(park=park, is_active=True).exclude(pk=siling.pk).order_by("pk")[:4])
    plan = [("met", "创始人技术背景强，下周约第二次见面。"), ("due_diligence", "财务尽调进行中，关注毛利率。"),
            ("passed", "估值偏高，暂不跟进。"), ("interested", "")]
    for enterprise, (stage, note) in zip(others, plan, strict=False):
        entry, created = pipeline_add(actor=investor_user, enterprise=enterprise, note=note)
        if created:
            added["pipeline"] += 1
            if stage != "interested":
                pipeline_update(actor=investor_user, entry=entry, stage=stage)

    # An earlier introduction, accepted; a newer one, passed on and waiting for the investor's answer.
    butler = siling.butler
    try:
        service_ok = intros.intro_service(siling) is not None
    except Exception:  # the catalog's demo is not loaded: no order to broker the introductions with
        service_ok = False
    if service_ok and butler is not None and others:
        earlier, created = intros.introduction_ask(
            actor=investor_user, enterprise=others[0], investor=investor, message="想进一步了解贵司的产品与融资计划。",
            idempotency_key="demo-intro-1")
        if created:
            added["introductions"] += 1
            broker = others[0].butler or butler
            intros.introduction_pass_on(actor=broker, intro=earlier, note="双方方向契合，建议见面。")
            from parkos.enterprises.selectors import admins_of

            other_admin = admins_of(others[0]).first()
            if other_admin is not None:
                intros.introduction_answer(actor=other_admin, intro=earlier, accept=True)
        waiting, created = intros.introduction_ask(
            actor=admin, enterprise=siling, investor=investor,
            message="思灵机器人正在筹备 A 轮融资，希望与郑总交流巡检机器人的商业化进展。", idempotency_key="demo-intro-2")
        if created:
            added["introductions"] += 1
        if waiting.status == IntroductionStatus.REQUESTED:
            intros.introduction_pass_on(actor=butler, intro=waiting,
                                        note="思灵机器人是园区重点培育企业，产品已在多个园区落地，推荐您了解。")

    # The data room.
    room = DataRoom.objects.filter(enterprise=siling, title=ROOM_TITLE).first()
    if room is None:
        room = rooms.dataroom_create(actor=admin, enterprise=siling, title=ROOM_TITLE, terms=TERMS)
        rooms.document_add(actor=admin, room=room, upload=SimpleUploadedFile(
            "思灵机器人商业计划书.pdf", minimal_pdf("SiLing Robotics - Business plan 2026")),
            title="商业计划书（2026 版）", kind="business_plan")
        grant, _ = rooms.grant_create(actor=admin, room=room, investor=investor, days=30)
        rooms.grant_consent(actor=investor_user, grant=grant, terms_version=room.terms_version, ip="10.0.8.21")
        document = room.documents.first()
        if document is not None:
            rooms.document_open(actor=investor_user, document=document, download=False, ip="10.0.8.21")
            rooms.document_open(actor=investor_user, document=document, download=True, ip="10.0.8.21")
        added["rooms"] += 1
    if stdout is not None:
        stdout.write(f"network intros: {added}")
    return added
