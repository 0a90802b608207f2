"""Reads of applications, with the permission inside: a team sees its own application (its applicant, the
enterprise's admins and staff), the edition's organisers see all of its park, an assigned judge reads one
through ``application_for_judge`` (anonymised in anonymous rounds) and nobody else sees anything.

Where an application stands in each round comes only from published rounds: before a round's results are
published, the team reads "being reviewed" whatever the ranking proposes."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkos.competitions.models import (
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    Attachment,
    Edition,
    Entry,
    EntryStatus,
    FieldKind,
    FormField,
    Round,
    RoundStatus,
)
from parkos.core import policy
from parkos.core.errors import ErrorCode, Forbidden, NotAuthenticated, NotFound

TEAM_RELATIONS = frozenset({policy.SELF, policy.ENTERPRISE_ADMIN, policy.ENTERPRISE_STAFF})


def _authenticated(viewer: Any) -> None:
    if not getattr(viewer, "is_authenticated", False):
        raise NotAuthenticated()


def _base() -> QuerySet[Application]:
    return Application.objects.select_related("edition", "track", "enterprise", "applicant")


def may_organise(viewer: Any, edition: Edition) -> bool:
    return policy.can(viewer, "competitions.application.list", edition)


def application_get(*, viewer: Any, application_id: int) -> Application:
    """An application for its team (applicant, the enterprise's admins and staff) and the organisers of
    its park. Anyone else, a judge included (judges read through ``application_for_judge``), gets 404:
    another team's application does not even show that it exists."""
    _authenticated(viewer)
    application = _base().filter(pk=application_id).first()
    if application is None:
        raise NotFound(_("No such application."))
    relations = policy.relations_of(viewer, application)
    if not (relations & TEAM_RELATIONS or may_organise(viewer, application.edition)):
        raise NotFound(_("No such application."))
    policy.require(viewer, "competitions.application.view", application)
    return application


def may_edit(viewer: Any, application: Application) -> bool:
    return policy.can(viewer, "competitions.application.edit", application)


def my_applications(*, viewer: Any) -> QuerySet[Application]:
    """The applications ``viewer`` made, and those of the enterprises they are staff of."""
    from parkos.enterprises.selectors import enterprise_ids_of

    _authenticated(viewer)
    return (_base().filter(Q(applicant_id=viewer.pk) | Q(enterprise_id__in=enterprise_ids_of(viewer)))
            .order_by("-edition__year", "-created_at", "-id"))


def application_list(*, viewer: Any, edition: Edition, track: Any = None, status: str | None = None,
                     q: str = "") -> QuerySet[Application]:
    """The edition's applications for its organisers, filtered by track, status and a search over the
    project, the team and the number; submitted ones by number first, then drafts."""
    policy.require(viewer, "competitions.application.list", edition)
    rows = _base().filter(edition=edition)
    track_id = getattr(track, "pk", track)
    if track_id not in (None, ""):
        rows = rows.filter(track_id=track_id)
    if status:
        rows = rows.filter(status=status)
    text = " ".join(str(q or "").split())[:50]
    if text:
        rows = rows.filter(Q(project_name__icontains=text) | Q(team_name__icontains=text)
                           | Q(number__icontains=text) | Q(enterprise__name__icontains=text))
    return rows.order_by("status", "number", "id")


@dataclass(frozen=True)
class Counts:
    total: int
    by_status: dict[str, int]
    by_track: list[tuple[Any, int]]


def application_counts(*, viewer: Any, edition: Edition) -> Counts:
    """How many applications the edition has, by status and by track (two small grouped queries)."""
    policy.require(viewer, "competitions.application.list", edition)
    by_status = {row["status"]: row["n"] for row in
                 Application.objects.filter(edition=edition).values("status").annotate(n=Count("id")).order_by()}
    tracks = edition.tracks.annotate(n=Count("applications", filter=~Q(applications__status=ApplicationStatus.DRAFT)))
    return Counts(total=sum(by_status.values()), by_status={s: by_status.get(s, 0) for s in ApplicationStatus.values},
                  by_track=[(t, t.n) for t in tracks])


def application_export_rows(*, viewer: Any, edition: Edition, track: Any = None, status: str | None = None,
                            q: str = "") -> tuple[list[str], list[list[Any]]]:
    """The organisers' list as a table (the same filters), for a CSV download."""
    header = [str(_("Number")), str(_("Project")), str(_("Team or company")), str(_("Enterprise")),
              str(_("Track")), str(_("Status")), str(_("Team size")), str(_("Submitted at")), str(_("Applicant")),
              str(_("Email"))]
    labels = dict(ApplicationStatus.choices)
    rows = [[a.number, a.project_name, a.team_name, a.enterprise.name if a.enterprise is not None else "", a.track.name_zh,
             str(labels.get(a.status, a.status)), a.team_size,
             timezone.localtime(a.submitted_at).strftime("%Y-%m-%d %H:%M") if a.submitted_at else "",
             a.applicant.display_name, a.applicant.email or ""]
            for a in application_list(viewer=viewer, edition=edition, track=track, status=status, q=q).iterator()]
    return header, rows


def attachment_list(application: Application) -> list[Attachment]:
    return list(Attachment.objects.filter(application=application).order_by("field_key"))


def attachment_get(*, viewer: Any, attachment_id: int) -> Attachment:
    """An attachment for whoever may view its application (its team, the organisers, a judge it is
    assigned to); 404 for anyone else."""
    _authenticated(viewer)
    attachment = (Attachment.objects.select_related("application", "application__enterprise",
                                                    "application__edition").filter(pk=attachment_id).first())
    if attachment is None or not policy.can(viewer, "competitions.application.view", attachment.application):
        raise NotFound(_("No such file."))
    return attachment


def edition_for(viewer: Any, edition_id: int) -> Edition:
    """An edition by id, through the editions part (one being prepared only for its organisers)."""
    from parkos.competitions.selectors.editions import edition_get

    return edition_get(viewer=viewer, edition_id=edition_id)


# --- where the application stands -----------------------------------------------------------------------

@dataclass(frozen=True)
class ProgressRow:
    round: Round
    status: str  # "not_reached", "pending", "passed", "not_passed", "withdrawn"
    label: str
    note: str = ""
    # The team's page for its entry of a published round: the judges' feedback and the appeal.
    entry_id: int | None = None


def application_progress(*, viewer: Any, application: Application) -> list[ProgressRow]:
    """Each round of the edition with where the application stands in it: not reached, being reviewed,
    goes on, does not go on (the last two only once the round's results are published)."""
    policy.require(viewer, "competitions.application.view", application)
    rounds = list(Round.objects.filter(edition_id=application.edition_id).order_by("position"))
    entries = {e.round_id: e for e in Entry.objects.filter(application=application)}
    labels = dict(EntryStatus.choices)
    rows: list[ProgressRow] = []
    for rnd in rounds:
        entry = entries.get(rnd.pk)
        if entry is None:
            rows.append(ProgressRow(rnd, "not_reached", str(_("Not reached"))))
        elif entry.status == EntryStatus.WITHDRAWN:
            rows.append(ProgressRow(rnd, "withdrawn", str(labels[EntryStatus.WITHDRAWN])))
        elif rnd.status == RoundStatus.PUBLISHED and entry.status in (EntryStatus.PASSED, EntryStatus.NOT_PASSED):
            rows.append(ProgressRow(rnd, str(entry.status), str(labels[entry.status]), entry.note, entry.pk))
        else:
            rows.append(ProgressRow(rnd, "pending", str(labels[EntryStatus.PENDING])))
    return rows


# --- what a judge reads ---------------------------------------------------------------------------------

def anonymous_code(application_id: int, round_id: int) -> str:
    """A short code standing for an application in one anonymous round: derived from both ids with the
    server's secret, so it cannot be mapped back to the application's id or to its code in another round."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"competitions:{round_id}:{application_id}".encode(),
                      hashlib.sha256).hexdigest()
    return digest[:6].upper()


def display_name(application: Application, rnd: Round) -> str:
    """The name a judge sees: "匿名项目 #3F2A9C" in an anonymous round, the project and team otherwise."""
    if rnd.anonymous:
        return str(_("Anonymous project #%(code)s") % {"code": anonymous_code(application.pk, rnd.pk)})
    return f"{application.project_name} · {application.team_name}"


@dataclass(frozen=True)
class AnswerShown:
    key: str
    label: str
    value: Any


@dataclass(frozen=True)
class AttachmentShown:
    label: str
    name: str
    size: int
    content_type: str
    url: str


@dataclass
class JudgeView:
    """An application as a judge reads it in one round."""

    application_id: int
    round_id: int
    anonymous: bool
    name: str
    project_name: str
    summary: str
    track: str
    team_size: int
    answers: list[AnswerShown] = field(default_factory=list)
    attachments: list[AttachmentShown] = field(default_factory=list)
    # None in anonymous rounds.
    number: str | None = None
    team_name: str | None = None
    enterprise: str | None = None
    applicant: str | None = None


def application_for_judge(*, viewer: Any, assignment: Assignment) -> JudgeView:
    """The application of ``assignment`` for the judge it is assigned to (not recused, not removed) or an
    organiser: the project, its summary, its answers with their labels and its attachments; in an anonymous
    round the team, the enterprise, the applicant and the number are hidden and the project is called by a
    code. Anyone else: Forbidden."""
    _authenticated(viewer)
    assignment = (Assignment.objects.select_related("round", "judge", "application__track",
                                                    "application__enterprise", "application__applicant",
                                                    "application__edition")
                  .get(pk=assignment.pk))
    application, rnd = assignment.application, assignment.round
    organiser = may_organise(viewer, application.edition)
    if not organiser:
        if assignment.judge.user_id != viewer.pk or assignment.status not in (AssignmentStatus.ASSIGNED,
                                                                              AssignmentStatus.SUBMITTED):
            raise Forbidden(_("This application is not assigned to you."), code=ErrorCode.NOT_ASSIGNED)
        policy.require(viewer, "competitions.application.view", application)
    fields = list(FormField.objects.filter(edition_id=application.edition_id).order_by("position", "id"))
    labels = {f.key: f.label for f in fields}
    answers = [AnswerShown(f.key, f.label, application.answers[f.key]) for f in fields
               if f.kind != FieldKind.FILE and application.answers.get(f.key) not in (None, "")]
    # In an anonymous round a file is named by its question: its own name often carries the team's.
    attachments = [AttachmentShown(labels.get(a.field_key, a.field_key),
                                   f"{labels.get(a.field_key, a.field_key)}.{a.name.rsplit('.', 1)[-1]}"
                                   if rnd.anonymous else a.name, a.size, a.content_type,
                                   reverse("competitions:attachment", args=[a.pk]))
                   for a in attachment_list(application)]
    view = JudgeView(application_id=application.pk, round_id=rnd.pk, anonymous=rnd.anonymous,
                     name=display_name(application, rnd), project_name=application.project_name,
                     summary=application.summary, track=application.track.name, team_size=application.team_size,
                     answers=answers, attachments=attachments)
    if not rnd.anonymous:
        view.number = application.number
        view.team_name = application.team_name
        view.enterprise = application.enterprise.name if application.enterprise is not None else None
        view.applicant = application.applicant.display_name
    return view
