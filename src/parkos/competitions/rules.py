"""Who may do what in the competition (added to the one policy table; found at start-up by CoreConfig).

An edition lives in its park: its operators organise it (configure, screen, assign, review promotions,
publish, change a submitted score with a reason, deliver awards). An application is its applicant's and,
when made for an enterprise, its admins' (its staff read it). A judge reads and scores only what is
assigned to them (relation ASSIGNED_JUDGE: not recused, not removed; a conflicted application is never
assigned), and never another judge's score."""

from __future__ import annotations

from parkos.competitions.models import ASSIGNED_JUDGE
from parkos.core import policy
from parkos.core.policy import ENTERPRISE_ADMIN, ENTERPRISE_STAFF, JUDGE, OPERATOR, SELF, rule

policy.register({
    # Editions, their tracks, timeline and published results (object: the edition).
    "competitions.edition.view": rule(anyone=True),
    # Configuring an edition, its form, rounds, criteria, judges, award tiers (object: the edition or park).
    "competitions.edition.manage": rule(roles=(OPERATOR,)),
    # Starting an application (object: the edition); a team not yet registered applies as a member.
    "competitions.application.start": rule(authenticated=True),
    # Reading an application and its attachments (object: the application).
    "competitions.application.view": rule(roles=(OPERATOR,), relations=(SELF, ENTERPRISE_ADMIN, ENTERPRISE_STAFF,
                                                                        ASSIGNED_JUDGE)),
    # Editing, submitting, withdrawing, appealing (object: the application).
    "competitions.application.edit": rule(relations=(SELF, ENTERPRISE_ADMIN)),
    # The organisers' list of applications and their names in anonymous rounds (object: the edition).
    "competitions.application.list": rule(roles=(OPERATOR,)),
    # Screening, assignment by hand, ranking, promotion review, publishing, appeals (object: the round).
    "competitions.round.manage": rule(roles=(OPERATOR,)),
    # A judge's own seat: queue, declared conflicts, recusal (object: the Judge or the Assignment).
    "competitions.judge.own": rule(relations=(SELF,)),
    # Scoring an assigned application (object: the Assignment): the judge it is assigned to.
    "competitions.score.submit": rule(relations=(SELF,)),
    # Changing a submitted score (object: the round): audited.
    "competitions.score.change": rule(roles=(OPERATOR,)),
    # Any page for judges (object: nothing).
    "competitions.judge.area": rule(roles=(JUDGE, OPERATOR)),
    # Awards: giving and delivering (object: the edition), seeing one's own (object: the application).
    "competitions.award.manage": rule(roles=(OPERATOR,)),
    "competitions.award.view": rule(roles=(OPERATOR,), relations=(SELF, ENTERPRISE_ADMIN, ENTERPRISE_STAFF)),
}, relations=(ASSIGNED_JUDGE,))
