"""The competition API under /api/v1/competitions/: editions and their configuration, applications and
attachments, judges, conflicts and assignments, scores, ranking, results and appeals, awards."""

from ninja import Router

from parkos.competitions.api import applications, awards, editions, judging, ranking, scoring

router = Router(tags=["competitions"])
for part in (editions, applications, judging, scoring, ranking, awards):
    router.add_router("/competitions", part.router)
