"""Landing programmes (落地): a park's programme through which a start-up from a partner country settles
in the park, and the applications' way through the pipeline the park's operators run.

The pipeline: submitted → screening → accepted → visa → registration → workstation → butler → landed, or
rejected (the park's decision, before desks are allocated) or withdrawn (the applicant's, before landing).
Forward moves go one step at a time; a step whose means the programme does not have is skipped (no visa
service: no visa step; no registration service: no registration step; no desks: no workstation step), so
the next step is always the next one the programme provides. Each step sets the park's means in motion:

- visa: a service order for the programme's visa service, placed for the host enterprise (the park's
  incubator invites until the start-up has a company of its own), key ``network.landing:<id>:visa``;
- registration: an order for the registration service, also for the host enterprise; once the company
  exists the operator links the enterprise (``landing_link_enterprise``);
- workstation: the programme's desks for its months, allocated to the linked enterprise
  (``allocation_for_award``, reference ``network.landing:<id>``);
- butler: the linked enterprise's butler assigned (``butler_assign``) and recorded on the application;
- landed: done.

Every move writes a ``LandingEvent`` and notifies the applicant and the referring organisation's contacts
who have an account. An operator's internal note is a ``LandingEvent`` whose stage does not change
(``from_stage == to_stage``): applicants and partners never see those.

Locking: every change of an application locks its row (SELECT … FOR UPDATE) first, so two operators
moving the same application are serial, and a retried move finds the step already done (and its order,
which is linked on the application, so a retry never places a second one)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, NotFound, field_error
from parkos.core.text import clean_text
from parkos.network.models import (
    City,
    Contact,
    Country,
    Landing,
    LandingEvent,
    LandingStage,
    Organisation,
    Programme,
)

S = LandingStage

NAME_MAX = 60
NAME_EN_MAX = 100
DESCRIPTION_MAX = 2000
COMPANY_MAX = 150
PLAN_MAX = 3000
NOTE_MAX = 1000
WEBSITE_MAX = 200
KEY_MAX = 64
TEAM_MAX = 1000
DESKS_MAX = 200
MONTHS_MAX = 60

# The forward pipeline, in order.
PIPELINE: tuple[str, ...] = (S.SUBMITTED, S.SCREENING, S.ACCEPTED, S.VISA, S.REGISTRATION, S.WORKSTATION,
                             S.BUTLER, S.LANDED)
ENDED = frozenset({S.LANDED, S.REJECTED, S.WITHDRAWN})
# The park may decline until desks are allocated; later an application ends by the applicant's withdrawal.
REJECTABLE = frozenset({S.SUBMITTED, S.SCREENING, S.ACCEPTED, S.VISA, S.REGISTRATION})
# From these stages on the start-up's enterprise can be linked (the company may exist before the park helps).
LINKABLE = frozenset({S.ACCEPTED, S.VISA, S.REGISTRATION, S.WORKSTATION, S.BUTLER})


# --- the transition table ---------------------------------------------------------------------------------

def stage_applies(programme: Programme, stage: str) -> bool:
    """Whether the programme provides the step: a service step needs its service, the workstation its desks."""
    if stage == S.VISA:
        return programme.visa_service_id is not None
    if stage == S.REGISTRATION:
        return programme.registration_service_id is not None
    if stage == S.WORKSTATION:
        return programme.desks > 0
    return stage in PIPELINE


def next_stage(landing: Landing) -> str | None:
    """The next step of the application's programme, or None once it has ended."""
    if landing.stage in ENDED or landing.stage not in PIPELINE:
        return None
    for stage in PIPELINE[PIPELINE.index(landing.stage) + 1:]:
        if stage_applies(landing.programme, stage):
            return stage
    return None  # pragma: no cover  (landed always applies)


def moves_from(landing: Landing) -> list[str]:
    """The stages an operator may move the application to now: its next step, and "rejected" while the park
    may still decline."""
    moves = []
    following = next_stage(landing)
    if following:
        moves.append(following)
    if landing.stage in REJECTABLE:
        moves.append(S.REJECTED)
    return moves


# --- small cleaners ---------------------------------------------------------------------------------------

def _pk(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, Model):
        return int(value.pk)
    if isinstance(value, bool):
        return -1
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return -1


def _pick(qs: QuerySet[Any], value: Any, *, field: str, message: Any, required: bool = True) -> Any:
    pk = _pk(value)
    if pk is None:
        if required:
            raise field_error(field, _("This field is required."), code=ErrorCode.REQUIRED)
        return None
    found = qs.filter(pk=pk).first() if 0 < pk < 2**63 else None
    if found is None:
        raise field_error(field, message, code=ErrorCode.INVALID_CHOICE)
    return found


def _whole(value: Any, *, field: str, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise field_error(field, _("Enter a whole number."), code=ErrorCode.INVALID)
    try:
        number = value if isinstance(value, int) else int(str(value).strip())
    except (TypeError, ValueError):
        raise field_error(field, _("Enter a whole number."), code=ErrorCode.INVALID) from None
    if not low <= number <= high:
        raise field_error(field, format_lazy(_("Enter a number from {low} to {high}."), low=low, high=high),
                          code=ErrorCode.OUT_OF_RANGE)
    return number


def _website(value: Any) -> str:
    text = clean_text(value, field="website", limit=WEBSITE_MAX, required=False, multiline=False, markup=False)
    if not text:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        raise field_error("website", _("Enter a web address starting with http:// or https://."),
                          code=ErrorCode.INVALID) from None
    return text


def _service(park: Any, value: Any, *, field: str) -> Any:
    from parkos.catalog.models import Service

    service = _pick(Service.objects.filter(is_active=True), value, field=field, required=False,
                    message=_("Choose an active service of the catalog offered in this park."))
    if service is not None and not service.offered_in(park.pk):
        raise field_error(field, _("Choose an active service of the catalog offered in this park."),
                          code=ErrorCode.INVALID_CHOICE)
    return service


def _enterprise_in(park: Any, value: Any, *, field: str, required: bool) -> Any:
    from parkos.enterprises.models import Enterprise

    return _pick(Enterprise.objects.filter(park_id=park.pk), value, field=field, required=required,
                 message=_("Choose an enterprise of this park."))


# --- programmes -------------------------------------------------------------------------------------------

def _programme_fields(park: Any, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "name_zh": clean_text(data.get("name_zh"), field="name_zh", limit=NAME_MAX, multiline=False, markup=False),
        "name_en": clean_text(data.get("name_en"), field="name_en", limit=NAME_EN_MAX, required=False,
                              multiline=False, markup=False),
        "description": clean_text(data.get("description"), field="description", limit=DESCRIPTION_MAX,
                                  required=False, markup=False),
        "host_enterprise": _enterprise_in(park, data.get("host_enterprise"), field="host_enterprise",
                                          required=False),
        "visa_service": _service(park, data.get("visa_service"), field="visa_service"),
        "registration_service": _service(park, data.get("registration_service"), field="registration_service"),
        "desks": _whole(data.get("desks", 2), field="desks", low=0, high=DESKS_MAX),
        "desk_months": _whole(data.get("desk_months", 6), field="desk_months", low=1, high=MONTHS_MAX),
        "is_open": bool(data.get("is_open", True)),
    }


def _host_needed(fields: dict[str, Any]) -> None:
    # Orders for the visa and the registration are placed for the host enterprise: without one the steps
    # could not be taken.
    if (fields["visa_service"] or fields["registration_service"]) and fields["host_enterprise"] is None:
        raise field_error("host_enterprise", _("Choose the host enterprise that orders the visa and registration "
                                               "services for the start-ups."), code=ErrorCode.REQUIRED)


def programme_create(*, actor: Any, park: Any, name_zh: Any, name_en: Any = "", description: Any = "",
                     host_enterprise: Any = None, visa_service: Any = None, registration_service: Any = None,
                     desks: Any = 2, desk_months: Any = 6, is_open: Any = True) -> Programme:
    """A new landing programme of ``park`` (its operators)."""
    policy.require(actor, "network.landing.manage", park)
    fields = _programme_fields(park, {
        "name_zh": name_zh, "name_en": name_en, "description": description, "host_enterprise": host_enterprise,
        "visa_service": visa_service, "registration_service": registration_service, "desks": desks,
        "desk_months": desk_months, "is_open": is_open})
    _host_needed(fields)
    with transaction.atomic():
        if Programme.objects.filter(park_id=park.pk, name_zh=fields["name_zh"]).exists():
            raise field_error("name_zh", _("This park already has a programme of this name."),
                              code=ErrorCode.DUPLICATE)
        return Programme.objects.create(park_id=park.pk, **fields)


def programme_update(*, actor: Any, programme: Programme, name_zh: Any, name_en: Any = "", description: Any = "",
                     host_enterprise: Any = None, visa_service: Any = None, registration_service: Any = None,
                     desks: Any = 2, desk_months: Any = 6, is_open: Any = True) -> Programme:
    """Edit a programme (its park's operators). Applications under way keep the orders and desks they have;
    a step the programme no longer provides is skipped from now on.

    Locking: the programme's row."""
    policy.require(actor, "network.landing.manage", programme)
    park = programme.park
    fields = _programme_fields(park, {
        "name_zh": name_zh, "name_en": name_en, "description": description, "host_enterprise": host_enterprise,
        "visa_service": visa_service, "registration_service": registration_service, "desks": desks,
        "desk_months": desk_months, "is_open": is_open})
    _host_needed(fields)
    with transaction.atomic():
        row = Programme.objects.select_for_update().get(pk=programme.pk)
        if Programme.objects.filter(park_id=row.park_id, name_zh=fields["name_zh"]).exclude(pk=row.pk).exists():
            raise field_error("name_zh", _("This park already has a programme of this name."),
                              code=ErrorCode.DUPLICATE)
        for name, value in fields.items():
            setattr(row, name, value)
        row.save()
    return row


# --- applying ---------------------------------------------------------------------------------------------

def landing_url(landing: Landing) -> str:
    return reverse("network:landing_detail", args=[landing.pk])


def _contacts_of(landing: Landing) -> list[Any]:
    if not landing.referred_by_id:
        return []
    return [c.user for c in Contact.objects.filter(organisation_id=landing.referred_by_id, user__isnull=False)
            .select_related("user")]


def _notify(landing: Landing, *, actor: Any, title: Any, body: Any, applicant: bool = True) -> None:
    from parkos.notifications.services import notification_send

    people = _contacts_of(landing)
    if applicant:
        people.append(landing.applicant)
    notification_send(recipients=people, kind="landing", actor=actor, title=title, body=body,
                      url=landing_url(landing))


def landing_apply(*, actor: Any, programme: Programme, company_name: Any, country: Any, industry: Any,
                  team_size: Any, plan: Any, city: Any = None, referred_by: Any = None, website: Any = "",
                  idempotency_key: Any) -> tuple[Landing, bool]:
    """A member applies for their start-up to land in the programme's park. Idempotent on
    ``(applicant, idempotency_key)``: a retry returns the first application and False. Refused when the
    programme is closed, and when the same start-up already has an open application to it.

    No lock: the unique constraint on (applicant, key) decides a double submit."""
    from parkos.enterprises.models import Industry

    policy.require(actor, "network.landing.apply", programme)
    key = clean_text(idempotency_key, field="idempotency_key", limit=KEY_MAX, multiline=False, markup=False)
    replay = Landing.objects.filter(applicant=actor, idempotency_key=key).first()
    if replay is not None:
        if replay.programme_id != programme.pk:
            raise Conflict(_("This request key was already used for another application."),
                           code=ErrorCode.IDEMPOTENCY_CONFLICT)
        return replay, False
    if not programme.is_open:
        raise Conflict(_("This programme is not taking applications at the moment."), code=ErrorCode.CLOSED)
    name = clean_text(company_name, field="company_name", limit=COMPANY_MAX, multiline=False, markup=False)
    clean_country = _pick(Country.objects.all(), country, field="country",
                          message=_("Choose a country from the list."))
    if not clean_country.is_partner:
        raise field_error("country", _("Landing programmes are for start-ups from the network's partner "
                                       "countries."), code=ErrorCode.NOT_ELIGIBLE)
    clean_city = _pick(City.objects.filter(country=clean_country), city, field="city", required=False,
                       message=_("Choose a city of the chosen country."))
    referrer = _pick(Organisation.objects.filter(is_active=True), referred_by, field="referred_by", required=False,
                     message=_("Choose a partner organisation from the list."))
    industry_value = industry
    if isinstance(industry, str) and industry and not industry.strip().isdigit():
        found = Industry.objects.filter(code=industry.strip()).first()
        industry_value = found.pk if found else -1
    clean_industry = _pick(Industry.objects.all(), industry_value, field="industry",
                           message=_("Choose an industry from the list."))
    size = _whole(team_size, field="team_size", low=1, high=TEAM_MAX)
    clean_plan = clean_text(plan, field="plan", limit=PLAN_MAX, markup=False)
    clean_site = _website(website)
    open_stages = [s for s in PIPELINE if s not in ENDED]
    if Landing.objects.filter(applicant=actor, programme=programme, company_name=name,
                              stage__in=open_stages).exists():
        raise field_error("company_name", _("This start-up already has an open application to this programme."),
                          code=ErrorCode.DUPLICATE)
    try:
        with transaction.atomic():
            landing = Landing.objects.create(
                programme=programme, park_id=programme.park_id, applicant=actor, company_name=name,
                country=clean_country, city=clean_city, referred_by=referrer, industry=clean_industry,
                team_size=size, plan=clean_plan, website=clean_site, stage=S.SUBMITTED, idempotency_key=key)
            LandingEvent.objects.create(landing=landing, actor=actor, from_stage="", to_stage=S.SUBMITTED)
            _notify(landing, actor=actor, applicant=False,
                    title=format_lazy(_("{company} applied to land in the park"), company=name),
                    body=format_lazy(_("Your organisation is named as its referrer ({programme}). You can follow "
                                       "its progress."), programme=programme.name))
    except IntegrityError:
        replay = Landing.objects.filter(applicant=actor, idempotency_key=key).first()
        if replay is None:
            raise
        return replay, False
    return landing, True


def landing_withdraw(*, actor: Any, landing: Landing, note: Any = "") -> Landing:
    """The applicant withdraws while the start-up has not landed. Withdrawing a withdrawn application
    changes nothing. Desks already allocated stay until the park ends the allocation.

    Locking: the application's row."""
    policy.require(actor, "network.landing.withdraw", landing)
    clean_note = clean_text(note, field="note", limit=NOTE_MAX, required=False, markup=False)
    with transaction.atomic():
        row = _locked(landing)
        if row.stage == S.WITHDRAWN:
            return row
        if row.stage in ENDED:
            raise Conflict(_("This application has ended: it can no longer be withdrawn."),
                           code=ErrorCode.ILLEGAL_TRANSITION)
        _step(row, actor=actor, to_stage=S.WITHDRAWN, note=clean_note)
    return row


# --- the pipeline -----------------------------------------------------------------------------------------

def _locked(landing: Landing) -> Landing:
    # Lock the application's row alone (no join: PostgreSQL refuses FOR UPDATE on an outer join's nullable
    # side), then read its programme.
    row = Landing.objects.select_for_update().get(pk=landing.pk)
    row.programme = Programme.objects.select_related("host_enterprise", "visa_service",
                                                     "registration_service").get(pk=row.programme_id)
    return row


STAGE_BODIES: dict[str, Any] = {
    S.SCREENING: _("The park is screening the application."),
    S.ACCEPTED: _("The park accepted the application: the next steps follow."),
    S.VISA: _("The park's incubator has requested the visa invitation."),
    S.REGISTRATION: _("The company registration has been requested."),
    S.WORKSTATION: _("Desks have been allocated in the park."),
    S.BUTLER: _("An enterprise butler now looks after the start-up."),
    S.LANDED: _("The start-up has landed in the park. Welcome!"),
    S.REJECTED: _("The park did not accept the application this time."),
    S.WITHDRAWN: _("The application was withdrawn."),
}


def _step(row: Landing, *, actor: Any, to_stage: str, note: str) -> LandingEvent:
    from_stage = row.stage
    row.stage = to_stage
    row.save()
    event = LandingEvent.objects.create(landing=row, actor=actor, from_stage=from_stage, to_stage=to_stage,
                                        note=note)
    _notify(row, actor=actor,
            title=format_lazy(_("{company}: {stage}"), company=row.company_name, stage=S(to_stage).label),
            body=note or STAGE_BODIES.get(to_stage, ""))
    return event


def _answers(service: Any, row: Landing) -> dict[str, Any]:
    """The service's request form filled from the application (the butler checks them with the applicant):
    the catalog refuses an order whose required answers are missing."""
    applicant = row.applicant
    summary = f"{row.company_name}（{row.country.name_zh}）"
    known = {"company_name": row.company_name, "person_name": applicant.display_name or applicant.email,
             "contact": f"{applicant.display_name} {applicant.email}".strip(), "nationality": row.country.name_zh,
             "headcount": row.team_size, "arrival_on": timezone.localdate().isoformat()}
    answers: dict[str, Any] = {}
    for spec in service.fields if isinstance(service.fields, list) else []:
        if not isinstance(spec, dict) or not spec.get("name"):
            continue
        name, kind = str(spec["name"]), str(spec.get("type") or "text")
        if name in known and not (kind == "number" and not isinstance(known[name], int)):
            answers[name] = known[name]
        elif not spec.get("required"):
            continue
        elif kind == "number":
            answers[name] = row.team_size
        elif kind == "date":
            answers[name] = timezone.localdate().isoformat()
        elif kind == "choice":
            answers[name] = (spec.get("choices") or [""])[0]
        else:
            answers[name] = summary
    return answers


def _order(row: Landing, *, actor: Any, service: Any, step: str) -> Any:
    from parkos.catalog.services.orders import order_create_for

    host = row.programme.host_enterprise
    if host is None:
        raise Conflict(_("The programme has no host enterprise to order the service for: set one first."),
                       code=ErrorCode.CONFLICT)
    note = str(format_lazy(_("Landing application {company} ({country}), #{id}."), company=row.company_name,
                           country=row.country.name_zh, id=row.pk))
    order, _created = order_create_for(actor=actor, enterprise=host, service=service,
                                       idempotency_key=f"network.landing:{row.pk}:{step}", note=note,
                                       answers=_answers(service, row))
    return order


def _desks(row: Landing) -> Any:
    from parkos.bookings.models import AllocationSource
    from parkos.bookings.services.desks import allocation_for_award

    if row.enterprise_id is None:
        raise field_error("enterprise", _("Link the start-up's enterprise first: desks are allocated to it."),
                          code=ErrorCode.REQUIRED)
    programme = row.programme
    try:
        return allocation_for_award(park=row.park, enterprise=row.enterprise, count=programme.desks,
                                    months=programme.desk_months, starts_on=timezone.localdate(),
                                    source_ref=f"network.landing:{row.pk}", source=AllocationSource.PROGRAMME,
                                    note=str(format_lazy(_("Landing programme {name}"), name=programme.name_zh)))
    except Conflict as error:
        if error.code != ErrorCode.FULL:
            raise
        raise Conflict(format_lazy(_("Not enough desks are free for the programme's {count} desks: add desks or "
                                     "end other allocations first. ({detail})"), count=programme.desks,
                                   detail=error.message), code=ErrorCode.FULL, details=error.details) from None


def _butler(row: Landing, *, actor: Any, butler: Any) -> Any:
    from parkos.accounts.selectors import user_get_active
    from parkos.enterprises.services import butler_assign

    if row.enterprise_id is None:
        raise field_error("enterprise", _("Link the start-up's enterprise first: the butler looks after it."),
                          code=ErrorCode.REQUIRED)
    enterprise = row.enterprise
    assert enterprise is not None
    chosen = butler
    if chosen in (None, ""):
        chosen = enterprise.butler
    elif not isinstance(chosen, Model):
        pk = _pk(chosen)
        if pk is None or pk <= 0 or pk >= 2**63:
            raise field_error("butler", _("Choose a butler from the list."), code=ErrorCode.INVALID_CHOICE)
        try:
            chosen = user_get_active(user_id=pk)
        except NotFound:
            raise field_error("butler", _("Choose a butler from the list."), code=ErrorCode.INVALID_CHOICE) from None
    if chosen is None:
        raise field_error("butler", _("Choose the butler who will look after the start-up."),
                          code=ErrorCode.REQUIRED)
    if enterprise.butler_id != chosen.pk:
        butler_assign(actor=actor, enterprise=enterprise, butler=chosen)
    return chosen


def landing_move(*, actor: Any, landing: Landing, to_stage: Any, note: Any = "", butler: Any = None) -> Landing:
    """Move an application to ``to_stage`` (its park's operators), checked against the transition table
    (``moves_from``), setting the step's means in motion (orders, desks, the butler) and telling the applicant
    and the referring organisation's contacts. ``butler`` (a user or id) is for the butler step; without it
    the enterprise's current butler stays.

    A retry of a move that was made (the application is already at ``to_stage``) changes nothing and returns
    the application: orders are linked on the application and keyed by it, desks by its reference.

    Locking: the application's row, FOR UPDATE, for the whole move; a failing step (no free desks, an order
    the catalog refuses) leaves nothing of the move behind."""
    policy.require(actor, "network.landing.manage", landing)
    target = str(to_stage or "")
    if target not in S.values:
        raise field_error("to_stage", _("Choose a stage from the list."), code=ErrorCode.INVALID_CHOICE)
    clean_note = clean_text(note, field="note", limit=NOTE_MAX, required=False, markup=False)
    with transaction.atomic():
        row = _locked(landing)
        if row.stage == target:
            return row
        if target not in moves_from(row):
            allowed = ", ".join(str(S(s).label) for s in moves_from(row)) or "—"
            raise Conflict(format_lazy(_("An application at “{stage}” cannot move to “{target}”. Possible: "
                                         "{allowed}."), stage=S(row.stage).label, target=S(target).label,
                                       allowed=allowed), code=ErrorCode.ILLEGAL_TRANSITION)
        programme = row.programme
        if target == S.VISA and row.visa_order_id is None:
            row.visa_order = _order(row, actor=actor, service=programme.visa_service, step="visa")
        elif target == S.REGISTRATION and row.registration_order_id is None:
            row.registration_order = _order(row, actor=actor, service=programme.registration_service,
                                            step="registration")
        elif target == S.WORKSTATION and row.allocation_id is None:
            row.allocation = _desks(row)
        elif target == S.BUTLER:
            row.butler = _butler(row, actor=actor, butler=butler)
        _step(row, actor=actor, to_stage=target, note=clean_note)
    return row


def landing_link_enterprise(*, actor: Any, landing: Landing, enterprise: Any) -> Landing:
    """Link the start-up's own enterprise once its company exists (an enterprise of the application's park):
    desks and the butler go to it. It can be changed until desks are allocated to it.

    Locking: the application's row."""
    policy.require(actor, "network.landing.manage", landing)
    with transaction.atomic():
        row = _locked(landing)
        if row.stage not in LINKABLE:
            raise Conflict(_("The enterprise can be linked once the application is accepted, until it has landed."),
                           code=ErrorCode.ILLEGAL_TRANSITION)
        chosen = _enterprise_in(row.park, enterprise, field="enterprise", required=True)
        if row.enterprise_id == chosen.pk:
            return row
        if row.allocation_id is not None:
            raise Conflict(_("Desks are allocated to the linked enterprise already: it can no longer change."),
                           code=ErrorCode.ALLOCATED)
        row.enterprise = chosen
        row.save()
        LandingEvent.objects.create(landing=row, actor=actor, from_stage=row.stage, to_stage=row.stage,
                                    note=str(format_lazy(_("Linked to the enterprise {name}."), name=chosen.name)))
    return row


def landing_note(*, actor: Any, landing: Landing, note: Any) -> LandingEvent:
    """An operator's internal note on the application: its stage does not change, and neither the applicant
    nor the referring organisation ever sees it."""
    policy.require(actor, "network.landing.manage", landing)
    clean_note = clean_text(note, field="note", limit=NOTE_MAX, markup=False)
    with transaction.atomic():
        row = _locked(landing)
        return LandingEvent.objects.create(landing=row, actor=actor, from_stage=row.stage, to_stage=row.stage,
                                           note=clean_note)


__all__ = ["ENDED", "PIPELINE", "landing_apply", "landing_link_enterprise", "landing_move",
           "landing_note", "landing_withdraw", "moves_from", "next_stage", "programme_create", "programme_update",
           "stage_applies"]
