"""API: judging under /api/v1/competitions/. Organisers seat judges (accounts holding the judge role),
record conflicts, start a round, run the automatic assignment (its report: created, conflicts left out,
applications still short of judges), assign and remove by hand (a conflict: 409 ``conflict_of_interest``),
read the load per judge and export the recusals; a judge declares their own conflicts and recuses
themself from an assignment (another judge takes it)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Status

from parkos.competitions.models import Application, Assignment, Entry, Judge
from parkos.competitions.schemas_judging import (
    CompAssignmentIn,
    CompAssignmentOut,
    CompAssignmentReportOut,
    CompConflictIn,
    CompConflictOut,
    CompJudgeAddIn,
    CompJudgeOut,
    CompJudgeUpdateIn,
    CompLoadOut,
    CompRecusalsOut,
    CompRecuseIn,
    CompRoundStartedOut,
)
from parkos.competitions.selectors import judging as selectors
from parkos.competitions.services import judging as services
from parkos.core.errors import ErrorCode, NotAuthenticated, NotFound, field_error

router = Router(tags=["competitions: judging"])


def _me(request: HttpRequest) -> Any:
    if not request.user.is_authenticated:
        raise NotAuthenticated()
    return request.user


def _judge_out(judge_id: int) -> Judge:
    return Judge.objects.select_related("user").prefetch_related("tracks", "rounds").get(pk=judge_id)


@router.get("/editions/{int:edition_id}/judges", response=list[CompJudgeOut])
def judge_list(request: HttpRequest, edition_id: int) -> Any:
    """The edition's jury with tracks, rounds and active load (organisers)."""
    edition = selectors.edition_for_organiser(viewer=_me(request), edition_id=edition_id)
    return list(selectors.judge_list(viewer=request.user, edition=edition))


@router.post("/editions/{int:edition_id}/judges", response={201: CompJudgeOut})
def judge_add(request: HttpRequest, edition_id: int, payload: CompJudgeAddIn) -> Status[Any]:
    """Seat an account holding the judge role (idempotent: the same account returns its seat)."""
    from parkos.accounts.selectors import user_find, user_get_active

    edition = selectors.edition_for_organiser(viewer=_me(request), edition_id=edition_id)
    user: Any = (user_get_active(user_id=payload.user) if payload.user is not None
                 else user_find(value=payload.login))
    if user is None:
        raise field_error("login", _("No account has this e-mail address or mobile number."),
                          code=ErrorCode.INVALID_CHOICE)
    judge = services.judge_add(actor=request.user, edition=edition, user=user, tracks=payload.tracks,
                               rounds=payload.rounds, title=payload.title, max_load=payload.max_load)
    return Status(201, _judge_out(judge.pk))


@router.patch("/judges/{int:judge_id}", response=CompJudgeOut)
def judge_update(request: HttpRequest, judge_id: int, payload: CompJudgeUpdateIn) -> Any:
    judge = selectors.judge_get(viewer=_me(request), judge_id=judge_id)
    services.judge_update(actor=request.user, judge=judge, **payload.dict(exclude_unset=True))
    return _judge_out(judge.pk)


@router.delete("/judges/{int:judge_id}", response={204: None})
def judge_remove(request: HttpRequest, judge_id: int) -> Status[None]:
    """Take a judge off the jury (inactive if they had assignments; their open ones go to others)."""
    judge = selectors.judge_get(viewer=_me(request), judge_id=judge_id)
    services.judge_remove(actor=request.user, judge=judge)
    return Status(204, None)


@router.get("/judges/{int:judge_id}/conflicts", response=list[CompConflictOut])
def conflict_list(request: HttpRequest, judge_id: int) -> Any:
    judge = selectors.judge_get(viewer=_me(request), judge_id=judge_id)
    return list(selectors.conflict_list(viewer=request.user, judge=judge))


@router.post("/judges/{int:judge_id}/conflicts", response={201: CompConflictOut})
def conflict_declare(request: HttpRequest, judge_id: int, payload: CompConflictIn) -> Status[Any]:
    """The judge declares a conflict on their seat, or an organiser records one."""
    judge = selectors.judge_get(viewer=_me(request), judge_id=judge_id)
    application = None
    if payload.application is not None:
        application = Application.objects.filter(pk=payload.application, edition_id=judge.edition_id).first()
        if application is None:
            raise field_error("application", _("This application is not in this edition."),
                              code=ErrorCode.INVALID_CHOICE)
    elif payload.number.strip():
        application = selectors.application_by_number(edition=judge.edition, number=payload.number)
        if application is None:
            raise field_error("number", _("No application of this edition has this number."),
                              code=ErrorCode.INVALID_CHOICE)
    enterprise = None
    if payload.enterprise is not None:
        from parkos.enterprises.selectors import enterprise_get

        enterprise = enterprise_get(viewer=request.user, enterprise_id=payload.enterprise)
    declaration = services.conflict_declare(actor=request.user, judge=judge, reason=payload.reason,
                                            enterprise=enterprise, application=application)
    return Status(201, declaration)


@router.post("/rounds/{int:round_id}/start", response=CompRoundStartedOut)
def round_start(request: HttpRequest, round_id: int) -> Any:
    """Start a round: its entries are created (409 when the previous round is not published, the weights do
    not sum to 100, or there are too few judges: ``no_judges``)."""
    rnd = selectors.round_for_organiser(viewer=_me(request), round_id=round_id)
    rnd = services.round_start(actor=request.user, round=rnd)
    return {"id": rnd.pk, "status": rnd.status, "entries": Entry.objects.filter(round=rnd).count()}


@router.post("/rounds/{int:round_id}/assign", response=CompAssignmentReportOut)
def assignment_auto(request: HttpRequest, round_id: int) -> Any:
    """Assign what is missing (idempotent): track experts first, balanced, never a conflict."""
    rnd = selectors.round_for_organiser(viewer=_me(request), round_id=round_id)
    report = services.assignment_auto(actor=request.user, round=rnd)
    return {"created": report.created, "conflicts_avoided": report.conflicts_avoided, "short": report.short}


@router.get("/rounds/{int:round_id}/loads", response=list[CompLoadOut])
def round_loads(request: HttpRequest, round_id: int) -> Any:
    rnd = selectors.round_for_organiser(viewer=_me(request), round_id=round_id)
    return [{"judge": r.judge.pk, "name": r.judge.user.display_name, "assigned": r.assigned,
             "submitted": r.submitted, "recused": r.recused, "max_load": r.judge.max_load}
            for r in selectors.round_loads(viewer=request.user, round=rnd)]


@router.get("/rounds/{int:round_id}/assignments", response=list[CompAssignmentOut])
def assignment_list(request: HttpRequest, round_id: int, application: int | None = None,
                    judge: int | None = None) -> Any:
    """The round's assignments (organisers), optionally of one application or one judge."""
    rnd = selectors.round_for_organiser(viewer=_me(request), round_id=round_id)
    qs = Assignment.objects.filter(round=rnd).order_by("application_id", "judge_id")
    if application is not None:
        qs = qs.filter(application_id=application)
    if judge is not None:
        qs = qs.filter(judge_id=judge)
    return list(qs[:5000])


@router.post("/rounds/{int:round_id}/assignments", response={201: CompAssignmentOut})
def assignment_add(request: HttpRequest, round_id: int, payload: CompAssignmentIn) -> Status[Any]:
    """Assign by hand (409 ``conflict_of_interest`` naming why, or ``duplicate``)."""
    rnd = selectors.round_for_organiser(viewer=_me(request), round_id=round_id)
    application = Application.objects.filter(pk=payload.application, edition_id=rnd.edition_id).first()
    judge = Judge.objects.select_related("user").filter(pk=payload.judge, edition_id=rnd.edition_id).first()
    if application is None:
        raise field_error("application", _("This application is not in this edition."),
                          code=ErrorCode.INVALID_CHOICE)
    if judge is None:
        raise field_error("judge", _("Choose an active judge of this edition."), code=ErrorCode.INVALID_CHOICE)
    assignment = services.assignment_add(actor=request.user, round=rnd, application=application, judge=judge)
    return Status(201, assignment)


def _assignment(assignment_id: int) -> Assignment:
    assignment = (Assignment.objects.select_related("round", "round__edition", "judge", "application")
                  .filter(pk=assignment_id).first())
    if assignment is None:
        raise NotFound(_("No such assignment."))
    return assignment


@router.delete("/assignments/{int:assignment_id}", response=CompAssignmentOut)
def assignment_remove(request: HttpRequest, assignment_id: int) -> Any:
    """Take an application off a judge (409 ``score_locked`` once the score is submitted)."""
    assignment = _assignment(assignment_id)
    selectors.round_for_organiser(viewer=_me(request), round_id=assignment.round_id)
    return services.assignment_remove(actor=request.user, assignment=assignment)


@router.post("/assignments/{int:assignment_id}/recuse", response=CompAssignmentOut)
def assignment_recuse(request: HttpRequest, assignment_id: int, payload: CompRecuseIn) -> Any:
    """The judge recuses themself, with a reason; another judge takes the application."""
    me = _me(request)
    assignment = _assignment(assignment_id)
    if assignment.judge.user_id != me.pk:
        raise NotFound(_("No such assignment."))
    return services.assignment_recuse(actor=me, assignment=assignment, reason=payload.reason)


@router.get("/editions/{int:edition_id}/recusals", response=CompRecusalsOut)
def recusals(request: HttpRequest, edition_id: int) -> Any:
    """Every recusal and declared conflict of the edition (organisers)."""
    edition = selectors.edition_for_organiser(viewer=_me(request), edition_id=edition_id)
    header, rows = services.recusals_export(viewer=request.user, edition=edition)
    return {"header": header, "rows": rows}
