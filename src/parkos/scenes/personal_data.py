"""The "scenes" section of a member's data export: the scenes they published, the responses they
made, the deals they are party to, the messages they wrote and the reviews by and about them.

A private thread shows only the member's own messages; a review about them names its author by
display name only. Amounts are given both as integer fen and as yuan strings: one query per kind."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from parkos.core.ledger import Money
from parkos.core.personal_data import exporter_register, iso
from parkos.scenes.models import Deal, Message, Response, Review, Scene


def _yuan(fen: int | None) -> str | None:
    value = Money.to_yuan(fen)
    return None if value is None else str(value)


def export(user: Any) -> dict[str, Any]:
    return {
        "scenes": [
            {"id": s["id"], "title": s["title"], "kind": s["kind"], "status": s["status"],
             "description": s["description"], "reward_text": s["reward_text"],
             "budget_fen": s["budget_fen"], "budget_yuan": _yuan(s["budget_fen"]),
             "deadline": iso(s["deadline"]), "enterprise": s["enterprise__name"],
             "created_at": iso(s["created_at"]), "published_at": iso(s["published_at"])}
            for s in Scene.objects.filter(publisher=user).order_by("created_at", "id")
            .values("id", "title", "kind", "status", "description", "reward_text", "budget_fen", "deadline",
                    "enterprise__name", "created_at", "published_at")
        ],
        "responses": [
            {"id": r["id"], "scene_id": r["scene_id"], "scene": r["scene__title"], "status": r["status"],
             "plan": r["plan"], "timeline": r["timeline"], "price_fen": r["price_fen"],
             "price_yuan": _yuan(r["price_fen"]), "enterprise": r["enterprise__name"],
             "created_at": iso(r["created_at"])}
            for r in Response.objects.filter(responder=user).order_by("created_at", "id")
            .values("id", "scene_id", "scene__title", "status", "plan", "timeline", "price_fen",
                    "enterprise__name", "created_at")
        ],
        "deals": [
            {"id": d["id"], "title": d["title"],
             "role": "publisher" if d["publisher_id"] == user.pk else "provider",
             "status": d["status"], "amount_fen": d["amount_fen"], "amount_yuan": _yuan(d["amount_fen"]),
             "paid_fen": d["paid_fen"], "created_at": iso(d["created_at"]), "closed_at": iso(d["closed_at"])}
            for d in Deal.objects.filter(Q(publisher=user) | Q(provider=user)).order_by("created_at", "id")
            .values("id", "title", "publisher_id", "status", "amount_fen", "paid_fen", "created_at", "closed_at")
        ],
        "messages": [
            {"response_id": m["response_id"], "scene": m["response__scene__title"], "text": m["body"],
             "created_at": iso(m["created_at"])}
            for m in Message.objects.filter(author=user).order_by("created_at", "id")
            .values("response_id", "response__scene__title", "body", "created_at")
        ],
        "reviews_written": [
            {"deal_id": r["deal_id"], "deal": r["deal__title"], "about": r["subject__display_name"],
             "rating": r["rating"], "text": r["text"], "created_at": iso(r["created_at"])}
            for r in Review.objects.filter(author=user).order_by("created_at", "id")
            .values("deal_id", "deal__title", "subject__display_name", "rating", "text", "created_at")
        ],
        "reviews_received": [
            {"deal_id": r["deal_id"], "deal": r["deal__title"], "author": r["author__display_name"],
             "rating": r["rating"], "text": r["text"], "created_at": iso(r["created_at"])}
            for r in Review.objects.filter(subject=user).order_by("created_at", "id")
            .values("deal_id", "deal__title", "author__display_name", "rating", "text", "created_at")
        ],
    }


exporter_register("scenes", export)
