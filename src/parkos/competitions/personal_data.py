"""The "competitions" section of a member's data export: their applications (answers, attachments' names,
where they stood in each round, appeals) and, for judges, their seats, declared conflicts and the scores
they gave. Deletion needs no code beyond the account's anonymisation: what the competition relies on (an
application, a score others were ranked with) keeps the anonymised account."""

from __future__ import annotations

from typing import Any

from parkos.competitions.models import Application, Judge, Score
from parkos.core.personal_data import exporter_register, iso


def export(user: Any) -> dict[str, Any]:
    applications = [
        {"edition": a.edition.year, "track": a.track.name_zh, "number": a.number, "project": a.project_name,
         "team": a.team_name, "status": a.status, "submitted_at": iso(a.submitted_at), "answers": a.answers,
         "attachments": [f.name for f in a.attachments.all()],
         "rounds": [{"round": e.round.name_zh, "status": e.status} for e in a.entries.all()],
         "appeals": [{"text": e.appeal.text, "status": e.appeal.status}
                     for e in a.entries.all() if hasattr(e, "appeal")]}
        for a in Application.objects.filter(applicant=user).select_related("edition", "track")
        .prefetch_related("attachments", "entries__round", "entries__appeal")]
    seats = [{"edition": j.edition.year, "title": j.title,
              "conflicts": [c.reason for c in j.conflicts.all()]}
             for j in Judge.objects.filter(user=user).select_related("edition").prefetch_related("conflicts")]
    scores = [{"round": s.round.name_zh, "application": s.application.number, "values": s.values,
               "total": str(s.total) if s.total is not None else None, "comment": s.comment,
               "feedback": s.feedback, "status": s.status, "submitted_at": iso(s.submitted_at)}
              for s in Score.objects.filter(judge__user=user).select_related("round", "application")]
    return {"applications": applications, "judge_seats": seats, "scores_given": scores}


exporter_register("competitions", export)
