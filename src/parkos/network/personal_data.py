"""The "network" section of a member's data export: their investor profile and private pipeline, the
introductions they asked for or were asked, the data room accesses granted to them (with their consents
and what they opened), and their landing applications with the timeline. Deletion needs no code: the
investor profile, its pipeline, grants and consents cascade with the account; what other parties rely on
(a landing application, an introduction asked) keeps the anonymised account, as service orders do."""

from __future__ import annotations

from typing import Any

from parkos.core.personal_data import exporter_register, iso
from parkos.network.models import AccessLog, Grant, Introduction, Investor, Landing, PipelineEntry


def export(user: Any) -> dict[str, Any]:
    investor = Investor.objects.filter(user=user).select_related("fund").prefetch_related("industries").first()
    profile = None
    if investor is not None:
        profile = {"fund": investor.fund.name_zh if investor.fund else "", "title": investor.title,
                   "thesis": investor.thesis, "stages": investor.stages,
                   "industries": [i.code for i in investor.industries.all()], "regions": investor.regions,
                   "ticket_min_wan": investor.ticket_min_wan, "ticket_max_wan": investor.ticket_max_wan,
                   "listed": investor.is_listed, "accepts_introductions": investor.accepts_introductions}
    pipeline = [{"enterprise": e.enterprise.name, "stage": e.stage, "note": e.note, "updated_at": iso(e.updated_at)}
                for e in PipelineEntry.objects.filter(investor__user=user).select_related("enterprise")]
    introductions = _introductions(user)
    grants = [{"room": g.room.title, "enterprise": g.room.enterprise.name, "granted_at": iso(g.granted_at),
               "expires_at": iso(g.expires_at), "revoked_at": iso(g.revoked_at),
               "terms_accepted_at": iso(g.consented_at), "terms_version": g.consent_version}
              for g in Grant.objects.filter(investor__user=user).select_related("room__enterprise")]
    opened = [{"room": a.room.title, "document": a.document.title if a.document else "", "action": a.action,
               "at": iso(a.at)}
              for a in AccessLog.objects.filter(user=user).select_related("room", "document")]
    landings = [{"company": a.company_name, "programme": a.programme.name_zh, "stage": a.stage, "plan": a.plan,
                 "created_at": iso(a.created_at),
                 "timeline": [{"to": e.to_stage, "at": iso(e.created_at)} for e in a.events.all()]}
                for a in Landing.objects.filter(applicant=user).select_related("programme").prefetch_related("events")]
    return {"investor_profile": profile, "pipeline": pipeline, "introductions": introductions,
            "data_room_access": grants, "data_room_activity": opened, "landing_applications": landings}


def _introductions(user: Any) -> list[dict[str, Any]]:
    """Introductions the member asked for, and those asked of them as an investor (the message of someone
    else's request is theirs, not this member's: it is left out)."""
    from django.db.models import Q

    rows = (Introduction.objects.filter(Q(requested_by=user) | Q(investor__user=user))
            .select_related("enterprise").order_by("created_at"))
    return [{"enterprise": i.enterprise.name, "direction": i.direction, "status": i.status,
             "message": i.message if i.requested_by_id == user.pk else "",
             "created_at": iso(i.created_at), "decided_at": iso(i.decided_at)} for i in rows]


exporter_register("network", export)
