"""Writes on scenes, one room per idea: publishing (scenes), invitations, attachments, responses, their
private thread (threads), deals, milestones, reviews; the deal's timeline and ledger (timeline) and its
reconciliation. The names other modules call are importable from here."""

from parkos.scenes.services.attachments import attachment_add
from parkos.scenes.services.deals import deal_act, response_accept
from parkos.scenes.services.invitations import scene_invite
from parkos.scenes.services.milestones import milestone_act
from parkos.scenes.services.reconcile import reconcile
from parkos.scenes.services.responses import may_respond, response_submit, response_transition
from parkos.scenes.services.reviews import review_submit
from parkos.scenes.services.scenes import scene_create, scene_transition, scene_update
from parkos.scenes.services.threads import message_post

__all__ = [
    "attachment_add", "deal_act", "may_respond", "message_post", "milestone_act", "reconcile", "response_accept",
    "response_submit", "response_transition", "review_submit", "scene_create", "scene_invite", "scene_transition",
    "scene_update",
]
