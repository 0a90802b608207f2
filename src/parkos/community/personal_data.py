"""The "community" section of a member's data export: what they wrote (posts, comments, suggestions),
what they did (reactions, supports, group memberships, reports they filed) and their standing with the
warnings and suspensions they were given, with the reasons they were told.

Reports *about* the member stay out: they are other members' words and the operators' records. So do
who reported or sanctioned them (``given_by``) and the audit log. One query per kind, no per-row reads."""

from __future__ import annotations

from typing import Any

from parkos.community.models import (
    Comment,
    GroupMembership,
    MemberStanding,
    Post,
    Reaction,
    Report,
    Sanction,
    Suggestion,
    SuggestionSupport,
)
from parkos.core.personal_data import exporter_register, iso


def _standing(user: Any) -> dict[str, Any]:
    standing = MemberStanding.objects.filter(user=user).first()
    return {
        "trust_level": standing.trust_level if standing else 0,
        "reports_upheld": standing.reports_upheld if standing else 0,
        "reports_rejected": standing.reports_rejected if standing else 0,
        "suspended_until": iso(standing.suspended_until) if standing else None,
        "suspension_reason": standing.suspension_reason if standing else "",
        "sanctions": [
            {"kind": s["kind"], "reason": s["reason"], "given_at": iso(s["created_at"]), "ends_at": iso(s["ends_at"]),
             "lifted_at": iso(s["lifted_at"])}
            for s in Sanction.objects.filter(user=user).order_by("created_at", "id")
            .values("kind", "reason", "created_at", "ends_at", "lifted_at")
        ],
    }


def export(user: Any) -> dict[str, Any]:
    return {
        "posts": [
            {"id": p["id"], "created_at": iso(p["created_at"]), "edited_at": iso(p["edited_at"]),
             "topic": p["topic"], "body": p["body"], "tags": list(p["tags"] or []), "status": p["status"],
             "status_reason": p["status_reason"], "group": p["group__name"],
             "posted_as_enterprise": p["enterprise__name"]}
            for p in Post.objects.filter(author=user).order_by("created_at", "id")
            .values("id", "created_at", "edited_at", "topic", "body", "tags", "status", "status_reason",
                    "group__name", "enterprise__name")
        ],
        "comments": [
            {"id": c["id"], "post_id": c["post_id"], "reply_to": c["parent_id"], "created_at": iso(c["created_at"]),
             "edited_at": iso(c["edited_at"]), "body": c["body"], "status": c["status"],
             "status_reason": c["status_reason"]}
            for c in Comment.objects.filter(author=user).order_by("created_at", "id")
            .values("id", "post_id", "parent_id", "created_at", "edited_at", "body", "status", "status_reason")
        ],
        # Reactions are on posts only (there is no comment reaction in the model).
        "reactions": [
            {"post_id": r["post_id"], "kind": r["kind"], "created_at": iso(r["created_at"])}
            for r in Reaction.objects.filter(user=user).order_by("created_at", "id")
            .values("post_id", "kind", "created_at")
        ],
        "group_memberships": [
            {"group": m["group__name"], "role": m["role"], "status": m["status"], "joined_at": iso(m["created_at"])}
            for m in GroupMembership.objects.filter(user=user).order_by("created_at", "id")
            .values("group__name", "role", "status", "created_at")
        ],
        "suggestions": [
            {"id": s["id"], "title": s["title"], "body": s["body"], "category": s["category"], "status": s["state"],
             "created_at": iso(s["created_at"]), "hidden": s["is_hidden"], "hidden_reason": s["hidden_reason"]}
            for s in Suggestion.objects.filter(author=user).order_by("created_at", "id")
            .values("id", "title", "body", "category", "state", "created_at", "is_hidden", "hidden_reason")
        ],
        "suggestion_supports": [
            {"suggestion_id": s["suggestion_id"], "created_at": iso(s["created_at"])}
            for s in SuggestionSupport.objects.filter(user=user).order_by("created_at", "id")
            .values("suggestion_id", "created_at")
        ],
        "reports_filed": [
            {"kind": r["case__kind"], "reason": r["reason"], "detail": r["detail"], "context": r["context"],
             "created_at": iso(r["created_at"]), "state": r["state"]}
            for r in Report.objects.filter(reporter=user).order_by("created_at", "id")
            .values("case__kind", "reason", "detail", "context", "created_at", "state")
        ],
        "standing": _standing(user),
    }


exporter_register("community", export)
