"""Writes on an edition's configuration: the edition itself (its timeline in the park's time zone, its
eligibility rules, its status), its tracks, the application form, the judging rounds and their weighted
criteria, and the yearly copy of last year's configuration.

Every write asks ``competitions.edition.manage`` of the edition (an operator of its park; an operator of
another park only is refused), validates before it writes (a refused or invalid write changes nothing) and
locks the edition row, so two organisers editing at once are serialised. A round and its criteria change only
while the round is being prepared: once judges score, its rules are frozen."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.competitions.models import (
    Criterion,
    Edition,
    EditionStatus,
    FieldKind,
    FormField,
    Round,
    RoundKind,
    RoundStatus,
    TieRule,
    Track,
)
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Invalid, field_error
from parkos.core.text import clean_text

MANAGE = "competitions.edition.manage"
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_TEAM = 500
MAX_APPEAL_DAYS = 60
MAX_COMPANY_AGE = 100
# The file types an organiser may ask for: documents and images whose bytes core.uploads can recognise;
# nothing executable or scriptable (no html, svg, zip).
SAFE_FILE_TYPES = ("pdf", "pptx", "docx", "xlsx", "png", "jpg", "jpeg")
MAX_FILE_MB = 50
DEFAULT_FILE_MB = 20
MAX_CHOICES = 50
MAX_CHARS = 20000
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")

EDITION_FIELDS = ("year", "name_zh", "name_en", "description", "call_opens_on", "deadline_on", "final_on",
                  "results_on", "allow_unregistered", "require_park_enterprise", "max_company_age_years",
                  "min_team_size", "max_team_size", "feedback_to_teams", "appeal_days")
# What the applications were judged by: frozen once the call has closed.
FROZEN_AFTER_CALL = ("call_opens_on", "deadline_on", "allow_unregistered", "require_park_enterprise",
                     "max_company_age_years", "min_team_size", "max_team_size")
TRACK_FIELDS = ("code", "name_zh", "name_en", "industry", "position")
FORM_FIELDS = ("key", "kind", "label_zh", "label_en", "help_zh", "help_en", "required", "max_chars", "choices",
               "file_types", "max_mb", "position")
ROUND_FIELDS = ("position", "kind", "name_zh", "name_en", "opens_at", "closes_at", "judges_per_application",
                "anonymous", "normalise", "drop_extremes", "divergence_threshold", "tie_rule", "promote_count",
                "promote_threshold")
CRITERION_FIELDS = ("name_zh", "name_en", "description", "weight", "max_score", "position")

# The edition's life: each step goes one forward, never back (applications and judging hang on it).
NEXT_STATUS = {EditionStatus.DRAFT: EditionStatus.OPEN, EditionStatus.OPEN: EditionStatus.JUDGING,
               EditionStatus.JUDGING: EditionStatus.FINISHED}


# --- time -------------------------------------------------------------------------------------------

def park_zone(park: Any) -> dt.tzinfo:
    """The park's time zone. Parks carry none yet: every park runs on the project's zone (Beijing)."""
    return timezone.get_default_timezone()


def deadline_at_for(day: dt.date, park: Any) -> dt.datetime:
    """The last second of ``day`` in the park's time zone: "the deadline is 2026-09-30" means until
    2026-09-30 23:59:59 Beijing time (15:59:59 UTC), whatever zone the server or the browser is in."""
    return dt.datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=park_zone(park))


def day_starts_at(day: dt.date, park: Any) -> dt.datetime:
    """00:00 of ``day`` in the park's time zone."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=park_zone(park))


def local_day(moment: dt.datetime, park: Any) -> dt.date:
    return timezone.localtime(moment, park_zone(park)).date()


# --- helpers ----------------------------------------------------------------------------------------

def _require(actor: Any, edition: Any) -> None:
    policy.require(actor, MANAGE, edition)


def _unknown(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise Invalid(format_lazy(_("These fields cannot be changed here: {fields}."),
                                  fields=", ".join(sorted(unknown))))


def _int(value: Any, field: str, *, low: int, high: int, required: bool = True) -> int | None:
    if value in (None, ""):
        if required:
            raise field_error(field, _("This field is required."), code=ErrorCode.REQUIRED)
        return None
    if isinstance(value, bool):
        raise field_error(field, _("Enter a whole number."))
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except (TypeError, ValueError):
        raise field_error(field, _("Enter a whole number.")) from None
    if not low <= number <= high:
        raise field_error(field, format_lazy(_("Enter a number from {low} to {high}."), low=low, high=high),
                          code=ErrorCode.OUT_OF_RANGE)
    return number


def _decimal(value: Any, field: str, *, low: Decimal, high: Decimal) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise field_error(field, _("Enter a number.")) from None
    if not number.is_finite() or not low <= number <= high:
        raise field_error(field, format_lazy(_("Enter a number from {low} to {high}."), low=low, high=high),
                          code=ErrorCode.OUT_OF_RANGE)
    return number.quantize(Decimal("0.01"))


def _date(value: Any, field: str, *, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise field_error(field, _("This field is required."), code=ErrorCode.REQUIRED)
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise field_error(field, _("Enter a date as YYYY-MM-DD.")) from None


def _moment(value: Any, field: str, park: Any) -> dt.datetime | None:
    """An optional moment: an aware datetime, a naive one (read in the park's zone) or an ISO string."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise field_error(field, _("Enter a date and time.")) from None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return day_starts_at(value, park)
    if not isinstance(value, dt.datetime):
        raise field_error(field, _("Enter a date and time."))
    if timezone.is_naive(value):
        value = value.replace(tzinfo=park_zone(park))
    return value


def _name(value: Any, field: str, limit: int, *, required: bool = True) -> str:
    return clean_text(value, field=field, limit=limit, required=required, multiline=False, markup=False)


def _slug(value: Any, field: str) -> str:
    text = str(value or "").strip().lower()
    if not text:
        raise field_error(field, _("This field is required."), code=ErrorCode.REQUIRED)
    if not _SLUG.match(text):
        raise field_error(field, _("Use lower-case letters, digits and hyphens (at most 40)."))
    return text


def _lock_edition(edition: Edition) -> Edition:
    return Edition.objects.select_for_update().get(pk=edition.pk)


def _save(obj: Any, field: str, message: Any) -> None:
    """Save, turning a unique constraint hit by a concurrent request into the same field error."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise field_error(field, message, code=ErrorCode.TAKEN) from None


# --- editions ---------------------------------------------------------------------------------------

def _edition_fields(edition: Edition, data: dict[str, Any], park: Any) -> None:
    if "year" in data:
        edition.year = _int(data["year"], "year", low=FIRST_YEAR, high=LAST_YEAR)  # type: ignore[assignment]
    if "name_zh" in data:
        edition.name_zh = _name(data["name_zh"], "name_zh", 60)
    if "name_en" in data:
        edition.name_en = _name(data["name_en"], "name_en", 100, required=False)
    if "description" in data:
        edition.description = clean_text(data["description"], field="description", limit=5000, required=False,
                                         markup=False)
    if "call_opens_on" in data:
        edition.call_opens_at = day_starts_at(_date(data["call_opens_on"], "call_opens_on"), park)  # type: ignore[arg-type]
    if "deadline_on" in data:
        edition.deadline_at = deadline_at_for(_date(data["deadline_on"], "deadline_on"), park)  # type: ignore[arg-type]
    if "final_on" in data:
        edition.final_on = _date(data["final_on"], "final_on", required=False)
    if "results_on" in data:
        edition.results_on = _date(data["results_on"], "results_on", required=False)
    for flag in ("allow_unregistered", "require_park_enterprise", "feedback_to_teams"):
        if flag in data and data[flag] is not None:
            setattr(edition, flag, bool(data[flag]))
    if "max_company_age_years" in data:
        edition.max_company_age_years = _int(data["max_company_age_years"], "max_company_age_years", low=1,
                                             high=MAX_COMPANY_AGE, required=False)
    if "min_team_size" in data:
        edition.min_team_size = _int(data["min_team_size"], "min_team_size", low=1, high=MAX_TEAM)  # type: ignore[assignment]
    if "max_team_size" in data:
        edition.max_team_size = _int(data["max_team_size"], "max_team_size", low=1, high=MAX_TEAM)  # type: ignore[assignment]
    if "appeal_days" in data:
        edition.appeal_days = _int(data["appeal_days"], "appeal_days", low=0, high=MAX_APPEAL_DAYS)  # type: ignore[assignment]


def _edition_check(edition: Edition, park: Any) -> None:
    deadline_day = local_day(edition.deadline_at, park)
    if edition.deadline_at <= edition.call_opens_at:
        raise field_error("deadline_on", _("The deadline must come after the call opens."),
                          code=ErrorCode.ENDS_BEFORE_START)
    if edition.final_on and edition.final_on < deadline_day:
        raise field_error("final_on", _("The final must come after the application deadline."),
                          code=ErrorCode.ENDS_BEFORE_START)
    if edition.results_on:
        after = edition.final_on or deadline_day
        if edition.results_on < after:
            raise field_error("results_on", _("Results are announced after the deadline and the final."),
                              code=ErrorCode.ENDS_BEFORE_START)
    if edition.max_team_size < edition.min_team_size:
        raise field_error("max_team_size", _("The largest team cannot be smaller than the smallest."),
                          code=ErrorCode.OUT_OF_RANGE)
    if edition.require_park_enterprise and edition.allow_unregistered:
        raise field_error("require_park_enterprise",
                          _("Only enterprises of the park may apply: then teams not yet registered may not."),
                          code=ErrorCode.INVALID_CHOICE)
    if Edition.objects.filter(park_id=park.pk, year=edition.year).exclude(pk=edition.pk).exists():
        raise _year_taken()


def _year_taken() -> Invalid:
    return field_error("year", _("This park already has an edition for this year."), code=ErrorCode.TAKEN)


def edition_create(*, actor: Any, park: Any, year: Any, name_zh: str, call_opens_on: Any, deadline_on: Any,
                   name_en: str = "", description: str = "", final_on: Any = None, results_on: Any = None,
                   allow_unregistered: bool = True, require_park_enterprise: bool = False,
                   max_company_age_years: Any = None, min_team_size: Any = 1, max_team_size: Any = 15,
                   feedback_to_teams: bool = True, appeal_days: Any = 3) -> Edition:
    """A new edition of the park's competition, being prepared (only organisers see it until it opens).
    The call opens at 00:00 of ``call_opens_on`` and closes at 23:59:59 of ``deadline_on``, park time."""
    policy.require(actor, MANAGE, park)
    edition = Edition(park=park)
    _edition_fields(edition, {
        "year": year, "name_zh": name_zh, "name_en": name_en, "description": description,
        "call_opens_on": call_opens_on, "deadline_on": deadline_on, "final_on": final_on, "results_on": results_on,
        "allow_unregistered": allow_unregistered, "require_park_enterprise": require_park_enterprise,
        "max_company_age_years": max_company_age_years, "min_team_size": min_team_size,
        "max_team_size": max_team_size, "feedback_to_teams": feedback_to_teams, "appeal_days": appeal_days}, park)
    with transaction.atomic():
        _edition_check(edition, park)
        _save(edition, "year", _("This park already has an edition for this year."))
    return edition


def edition_update(*, actor: Any, edition: Edition, **fields: Any) -> Edition:
    """Change the edition's names, timeline and rules (``EDITION_FIELDS``; dates as ``call_opens_on`` …).
    Once judging has begun, the call's dates and the eligibility rules the applications were checked
    against are frozen."""
    _require(actor, edition)
    _unknown(fields, EDITION_FIELDS)
    with transaction.atomic():
        row = _lock_edition(edition)
        park = row.park
        if row.status in (EditionStatus.JUDGING, EditionStatus.FINISHED):
            frozen = [name for name in FROZEN_AFTER_CALL if name in fields and _changes(row, name, fields[name], park)]
            if frozen:
                raise Conflict(_("Judging has begun: the call's dates and eligibility rules can no longer change."),
                               code=ErrorCode.CLOSED, details={frozen[0]: [str(_("Judging has begun."))]})
        _edition_fields(row, fields, park)
        _edition_check(row, park)
        _save(row, "year", _("This park already has an edition for this year."))
    return row


def _changes(edition: Edition, name: str, value: Any, park: Any) -> bool:
    if name == "call_opens_on":
        return _date(value, name) != local_day(edition.call_opens_at, park)
    if name == "deadline_on":
        return _date(value, name) != local_day(edition.deadline_at, park)
    current = getattr(edition, name)
    if isinstance(current, bool):
        return bool(value) != current
    return (None if value in (None, "") else str(value)) != (None if current is None else str(current))


def edition_status_set(*, actor: Any, edition: Edition, status: str) -> Edition:
    """Move the edition one step on: draft → open → judging → finished (setting the status it already has
    changes nothing). Opening needs at least one track to apply in."""
    _require(actor, edition)
    if status not in EditionStatus.values:
        raise field_error("status", _("Choose a status from the list."), code=ErrorCode.INVALID_CHOICE)
    with transaction.atomic():
        row = _lock_edition(edition)
        if row.status == status:
            return row
        if NEXT_STATUS.get(EditionStatus(row.status)) != status:
            raise Conflict(format_lazy(_("An edition that is “{current}” cannot become “{target}”."),
                                       current=row.get_status_display(), target=EditionStatus(status).label),
                           code=ErrorCode.ILLEGAL_TRANSITION)
        if status == EditionStatus.OPEN and not row.tracks.exists():
            raise Conflict(_("Add at least one track before opening the call."), code=ErrorCode.NOT_READY)
        row.status = status
        row.save(update_fields=["status", "updated_at"])
    return row


def _shift_year(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a year without one
        return day.replace(year=day.year + years, day=28)


def _shift_moment(moment: dt.datetime, years: int, park: Any) -> dt.datetime:
    local = timezone.localtime(moment, park_zone(park))
    day = _shift_year(local.date(), years)
    return local.replace(year=day.year, month=day.month, day=day.day)


def _renamed(name: str, old: int, new: int) -> str:
    return name.replace(str(old), str(new)) if str(old) in name else name


def edition_copy(*, actor: Any, edition: Edition, year: Any) -> Edition:
    """Next year's edition from this one's configuration: the same tracks, form, rounds and criteria, its
    timeline moved by the years between, names with the year replaced, being prepared. Applications,
    judges and results are not copied. Several queries, whatever the size of the form."""
    _require(actor, edition)
    new_year = _int(year, "year", low=FIRST_YEAR, high=LAST_YEAR)
    assert new_year is not None
    years = new_year - edition.year
    park = edition.park
    with transaction.atomic():
        source = _lock_edition(edition)
        if Edition.objects.filter(park_id=source.park_id, year=new_year).exists():
            raise _year_taken()
        copy = Edition(
            park_id=source.park_id, year=new_year, name_zh=_renamed(source.name_zh, source.year, new_year)[:60],
            name_en=_renamed(source.name_en, source.year, new_year)[:100], description=source.description,
            status=EditionStatus.DRAFT, call_opens_at=_shift_moment(source.call_opens_at, years, park),
            deadline_at=_shift_moment(source.deadline_at, years, park),
            final_on=_shift_year(source.final_on, years) if source.final_on else None,
            results_on=_shift_year(source.results_on, years) if source.results_on else None,
            allow_unregistered=source.allow_unregistered, require_park_enterprise=source.require_park_enterprise,
            max_company_age_years=source.max_company_age_years, min_team_size=source.min_team_size,
            max_team_size=source.max_team_size, feedback_to_teams=source.feedback_to_teams,
            appeal_days=source.appeal_days)
        _save(copy, "year", _("This park already has an edition for this year."))
        Track.objects.bulk_create([
            Track(edition=copy, code=t.code, name_zh=t.name_zh, name_en=t.name_en, industry_id=t.industry_id,
                  position=t.position) for t in source.tracks.all()])
        FormField.objects.bulk_create([
            FormField(edition=copy, key=f.key, kind=f.kind, label_zh=f.label_zh, label_en=f.label_en,
                      help_zh=f.help_zh, help_en=f.help_en, required=f.required, max_chars=f.max_chars,
                      choices=list(f.choices or []), file_types=list(f.file_types or []), max_mb=f.max_mb,
                      position=f.position) for f in source.fields.all()])
        rounds = list(source.rounds.prefetch_related("criteria"))
        new_rounds = Round.objects.bulk_create([
            Round(edition=copy, position=r.position, kind=r.kind, name_zh=r.name_zh, name_en=r.name_en,
                  opens_at=r.opens_at and _shift_moment(r.opens_at, years, park),
                  closes_at=r.closes_at and _shift_moment(r.closes_at, years, park),
                  judges_per_application=r.judges_per_application, anonymous=r.anonymous, normalise=r.normalise,
                  drop_extremes=r.drop_extremes, divergence_threshold=r.divergence_threshold, tie_rule=r.tie_rule,
                  promote_count=r.promote_count, promote_threshold=r.promote_threshold) for r in rounds])
        if any(r.pk is None for r in new_rounds):  # a backend that does not return ids from bulk inserts
            new_rounds = list(copy.rounds.order_by("position"))
        Criterion.objects.bulk_create([
            Criterion(round=new, name_zh=c.name_zh, name_en=c.name_en, description=c.description, weight=c.weight,
                      max_score=c.max_score, position=c.position)
            for old, new in zip(rounds, new_rounds, strict=True) for c in old.criteria.all()])
    return copy


# --- tracks -----------------------------------------------------------------------------------------

def _industry(value: Any) -> Any:
    if value in (None, ""):
        return None
    if hasattr(value, "pk"):
        return value
    from parkos.enterprises.selectors import industry_list

    text = str(value).strip()
    found = (industry_list().filter(pk=int(text)).first() if text.isdigit() and len(text) < 18
             else industry_list().filter(code=text[:40]).first())
    if found is None:
        raise field_error("industry", _("Choose an industry from the list."), code=ErrorCode.INVALID_CHOICE)
    return found


def _next_position(qs: Any) -> int:
    return int(qs.aggregate(n=Max("position"))["n"] or 0) + 1


def _track_fields(track: Track, data: dict[str, Any]) -> None:
    if "code" in data:
        track.code = _slug(data["code"], "code")
    if "name_zh" in data:
        track.name_zh = _name(data["name_zh"], "name_zh", 40)
    if "name_en" in data:
        track.name_en = _name(data["name_en"], "name_en", 80, required=False)
    if "industry" in data:
        track.industry = _industry(data["industry"])
    if "position" in data and data["position"] not in (None, ""):
        track.position = _int(data["position"], "position", low=0, high=1000)  # type: ignore[assignment]


def _track_code_free(track: Track) -> None:
    if Track.objects.filter(edition_id=track.edition_id, code=track.code).exclude(pk=track.pk).exists():
        raise field_error("code", _("Another track of this edition has this code."), code=ErrorCode.TAKEN)


def track_create(*, actor: Any, edition: Edition, code: str, name_zh: str, name_en: str = "", industry: Any = None,
                 position: Any = None) -> Track:
    """A track of the edition (its code is unique in the edition); without a position it goes last."""
    _require(actor, edition)
    track = Track(edition=edition)
    _track_fields(track, {"code": code, "name_zh": name_zh, "name_en": name_en, "industry": industry,
                          "position": position})
    with transaction.atomic():
        _lock_edition(edition)
        if position in (None, ""):
            track.position = _next_position(Track.objects.filter(edition=edition))
        _track_code_free(track)
        _save(track, "code", _("Another track of this edition has this code."))
    return track


def track_update(*, actor: Any, track: Track, **fields: Any) -> Track:
    _require(actor, track.edition)
    _unknown(fields, TRACK_FIELDS)
    with transaction.atomic():
        _lock_edition(track.edition)
        row = Track.objects.select_for_update().get(pk=track.pk)
        if "code" in fields and _slug(fields["code"], "code") != row.code and row.applications.exists():
            raise field_error("code", _("Applications are filed under this track: its code can no longer change."),
                              code=ErrorCode.CLOSED)
        _track_fields(row, fields)
        _track_code_free(row)
        _save(row, "code", _("Another track of this edition has this code."))
    return row


def track_delete(*, actor: Any, track: Track) -> None:
    """Remove a track nobody has applied in (idempotent); one with applications is refused."""
    _require(actor, track.edition)
    with transaction.atomic():
        _lock_edition(track.edition)
        if track.applications.exists():
            raise Conflict(_("Teams have applied in this track: it cannot be deleted."), code=ErrorCode.CONFLICT)
        Track.objects.filter(pk=track.pk).delete()


# --- the application form ---------------------------------------------------------------------------

def _choices(value: Any) -> list[str]:
    items = re.split(r"[\n,，、;；]+", value) if isinstance(value, str) else list(value or [])
    chosen: list[str] = []
    for raw in items:
        item = _name(raw, "choices", 60, required=False)
        if item and item not in chosen:
            chosen.append(item)
    if len(chosen) > MAX_CHOICES:
        raise field_error("choices", format_lazy(_("At most {n} choices."), n=MAX_CHOICES), code=ErrorCode.TOO_MANY)
    return chosen


def _file_types(value: Any) -> list[str]:
    items = re.split(r"[\s,，、;；]+", value) if isinstance(value, str) else list(value or [])
    chosen: list[str] = []
    for raw in items:
        kind = str(raw).strip().lower().lstrip(".")
        if not kind:
            continue
        if kind not in SAFE_FILE_TYPES:
            raise field_error("file_types", format_lazy(_("Allowed file types: {types}."),
                                                        types=", ".join(SAFE_FILE_TYPES)), code=ErrorCode.FILE_TYPE)
        if kind not in chosen:
            chosen.append(kind)
    return chosen


def _form_field_fields(row: FormField, data: dict[str, Any]) -> None:
    if "key" in data:
        row.key = _slug(data["key"], "key")
    if "kind" in data:
        if data["kind"] not in FieldKind.values:
            raise field_error("kind", _("Choose a kind from the list."), code=ErrorCode.INVALID_CHOICE)
        row.kind = data["kind"]
    if "label_zh" in data:
        row.label_zh = _name(data["label_zh"], "label_zh", 80)
    if "label_en" in data:
        row.label_en = _name(data["label_en"], "label_en", 120, required=False)
    if "help_zh" in data:
        row.help_zh = _name(data["help_zh"], "help_zh", 200, required=False)
    if "help_en" in data:
        row.help_en = _name(data["help_en"], "help_en", 300, required=False)
    if "required" in data and data["required"] is not None:
        row.required = bool(data["required"])
    if "max_chars" in data:
        row.max_chars = _int(data["max_chars"], "max_chars", low=1, high=MAX_CHARS, required=False)
    if "choices" in data:
        row.choices = _choices(data["choices"])
    if "file_types" in data:
        row.file_types = _file_types(data["file_types"])
    if "max_mb" in data:
        row.max_mb = _int(data["max_mb"], "max_mb", low=1, high=MAX_FILE_MB, required=False)
    if "position" in data and data["position"] not in (None, ""):
        row.position = _int(data["position"], "position", low=0, high=1000)  # type: ignore[assignment]


def _form_field_check(row: FormField) -> None:
    """What each kind needs; what another kind would carry is dropped (a number has no file types)."""
    if row.kind == FieldKind.CHOICE:
        if not row.choices:
            raise field_error("choices", _("A choice question needs its choices."), code=ErrorCode.REQUIRED)
    else:
        row.choices = []
    if row.kind == FieldKind.FILE:
        if not row.file_types:
            raise field_error("file_types", _("Name the file types a team may upload."), code=ErrorCode.REQUIRED)
        row.max_mb = row.max_mb or DEFAULT_FILE_MB
    else:
        row.file_types, row.max_mb = [], None
    if row.kind not in (FieldKind.TEXT, FieldKind.TEXTAREA):
        row.max_chars = None
    if FormField.objects.filter(edition_id=row.edition_id, key=row.key).exclude(pk=row.pk).exists():
        raise field_error("key", _("Another question of this form has this key."), code=ErrorCode.TAKEN)


def field_create(*, actor: Any, edition: Edition, key: str, kind: str, label_zh: str, label_en: str = "",
                 help_zh: str = "", help_en: str = "", required: bool = False, max_chars: Any = None,
                 choices: Any = (), file_types: Any = (), max_mb: Any = None, position: Any = None) -> FormField:
    """A question of the edition's application form. A choice needs its choices; a file names its types
    (among ``SAFE_FILE_TYPES``) and a size limit of at most 50 MB (20 when not given)."""
    _require(actor, edition)
    row = FormField(edition=edition)
    _form_field_fields(row, {"key": key, "kind": kind, "label_zh": label_zh, "label_en": label_en,
                             "help_zh": help_zh, "help_en": help_en, "required": required, "max_chars": max_chars,
                             "choices": choices, "file_types": file_types, "max_mb": max_mb, "position": position})
    with transaction.atomic():
        _lock_edition(edition)
        if position in (None, ""):
            row.position = _next_position(FormField.objects.filter(edition=edition))
        _form_field_check(row)
        _save(row, "key", _("Another question of this form has this key."))
    return row


def field_update(*, actor: Any, field: FormField, **fields: Any) -> FormField:
    """Change a question. Its key names the answers already given, so it stays once teams have applied."""
    _require(actor, field.edition)
    _unknown(fields, FORM_FIELDS)
    with transaction.atomic():
        _lock_edition(field.edition)
        row = FormField.objects.select_for_update().get(pk=field.pk)
        if "key" in fields and _slug(fields["key"], "key") != row.key and row.edition.applications.exists():
            raise field_error("key", _("Teams have applied: the question's key can no longer change."),
                              code=ErrorCode.CLOSED)
        _form_field_fields(row, fields)
        _form_field_check(row)
        _save(row, "key", _("Another question of this form has this key."))
    return row


def field_delete(*, actor: Any, field: FormField) -> None:
    """Remove a question from the form (idempotent). Answers already given to it stay in the applications."""
    _require(actor, field.edition)
    with transaction.atomic():
        _lock_edition(field.edition)
        FormField.objects.filter(pk=field.pk).delete()


def field_move(*, actor: Any, field: FormField, up: bool) -> FormField:
    """Swap a question with the one before (``up``) or after it; positions are renumbered 1..n."""
    _require(actor, field.edition)
    with transaction.atomic():
        _lock_edition(field.edition)
        rows = list(FormField.objects.filter(edition_id=field.edition_id).order_by("position", "id"))
        index = next((i for i, r in enumerate(rows) if r.pk == field.pk), None)
        if index is None:
            return field
        other = index - 1 if up else index + 1
        if 0 <= other < len(rows):
            rows[index], rows[other] = rows[other], rows[index]
        for position, r in enumerate(rows, start=1):
            r.position = position
        FormField.objects.bulk_update(rows, ["position"])
        return next(r for r in rows if r.pk == field.pk)


# --- rounds -----------------------------------------------------------------------------------------

def _round_defaults(kind: str) -> dict[str, Any]:
    """What a kind of round does unless the organiser says otherwise: an online review normalises each
    judge's scores; the roadshow drops the highest and the lowest score instead; screening is staff's
    pass or fail."""
    if kind == RoundKind.ROADSHOW:
        return {"normalise": False, "drop_extremes": True, "judges_per_application": 1}
    if kind == RoundKind.SCREENING:
        return {"normalise": False, "drop_extremes": False, "judges_per_application": 1}
    return {"normalise": True, "drop_extremes": False, "judges_per_application": 3}


def _round_fields(row: Round, data: dict[str, Any], park: Any) -> None:
    if "position" in data and data["position"] not in (None, ""):
        row.position = _int(data["position"], "position", low=1, high=100)  # type: ignore[assignment]
    if "kind" in data:
        if data["kind"] not in RoundKind.values:
            raise field_error("kind", _("Choose a kind from the list."), code=ErrorCode.INVALID_CHOICE)
        row.kind = data["kind"]
    if "name_zh" in data:
        row.name_zh = _name(data["name_zh"], "name_zh", 40)
    if "name_en" in data:
        row.name_en = _name(data["name_en"], "name_en", 80, required=False)
    if "opens_at" in data:
        row.opens_at = _moment(data["opens_at"], "opens_at", park)
    if "closes_at" in data:
        row.closes_at = _moment(data["closes_at"], "closes_at", park)
    if "judges_per_application" in data and data["judges_per_application"] not in (None, ""):
        row.judges_per_application = _int(data["judges_per_application"], "judges_per_application",  # type: ignore[assignment]
                                          low=1, high=50)
    for flag in ("anonymous", "normalise", "drop_extremes"):
        if flag in data and data[flag] is not None:
            setattr(row, flag, bool(data[flag]))
    if "divergence_threshold" in data:
        row.divergence_threshold = _decimal(data["divergence_threshold"], "divergence_threshold",
                                            low=Decimal("0.01"), high=Decimal("100"))
    if "tie_rule" in data and data["tie_rule"] not in (None, ""):
        if data["tie_rule"] not in TieRule.values:
            raise field_error("tie_rule", _("Choose a tie rule from the list."), code=ErrorCode.INVALID_CHOICE)
        row.tie_rule = data["tie_rule"]
    if "promote_count" in data:
        row.promote_count = _int(data["promote_count"], "promote_count", low=1, high=100000, required=False)
    if "promote_threshold" in data:
        row.promote_threshold = _decimal(data["promote_threshold"], "promote_threshold", low=Decimal("0"),
                                         high=Decimal("100"))


def _round_check(row: Round, *, has_criteria: bool) -> None:
    if row.opens_at and row.closes_at and row.closes_at <= row.opens_at:
        raise field_error("closes_at", _("A round closes after it opens."), code=ErrorCode.ENDS_BEFORE_START)
    if row.kind == RoundKind.SCREENING and has_criteria:
        raise field_error("kind", _("A screening round has no criteria: remove them first."),
                          code=ErrorCode.INVALID_CHOICE)
    if Round.objects.filter(edition_id=row.edition_id, position=row.position).exclude(pk=row.pk).exists():
        raise field_error("position", _("Another round of this edition has this position."), code=ErrorCode.TAKEN)


def _require_draft(row: Round) -> None:
    if row.status != RoundStatus.DRAFT:
        raise Conflict(_("Judging of this round has started: its rules and criteria can no longer change."),
                       code=ErrorCode.CLOSED)


def round_create(*, actor: Any, edition: Edition, kind: str, name_zh: str, name_en: str = "", position: Any = None,
                 opens_at: Any = None, closes_at: Any = None, judges_per_application: Any = None,
                 anonymous: bool = False, normalise: bool | None = None, drop_extremes: bool | None = None,
                 divergence_threshold: Any = None, tie_rule: str = TieRule.FIRST_CRITERION,
                 promote_count: Any = None, promote_threshold: Any = None) -> Round:
    """A judging round, last unless a free ``position`` is given. ``normalise``, ``drop_extremes`` and
    ``judges_per_application`` default by kind (``_round_defaults``)."""
    _require(actor, edition)
    if kind not in RoundKind.values:
        raise field_error("kind", _("Choose a kind from the list."), code=ErrorCode.INVALID_CHOICE)
    defaults = _round_defaults(kind)
    row = Round(edition=edition, position=1)
    _round_fields(row, {
        "kind": kind, "name_zh": name_zh, "name_en": name_en, "position": position, "opens_at": opens_at,
        "closes_at": closes_at,
        "judges_per_application": judges_per_application if judges_per_application not in (None, "")
        else defaults["judges_per_application"],
        "anonymous": anonymous, "normalise": defaults["normalise"] if normalise is None else normalise,
        "drop_extremes": defaults["drop_extremes"] if drop_extremes is None else drop_extremes,
        "divergence_threshold": divergence_threshold, "tie_rule": tie_rule, "promote_count": promote_count,
        "promote_threshold": promote_threshold}, edition.park)
    with transaction.atomic():
        _lock_edition(edition)
        if position in (None, ""):
            row.position = _next_position(Round.objects.filter(edition=edition))
        _round_check(row, has_criteria=False)
        _save(row, "position", _("Another round of this edition has this position."))
    return row


def round_update(*, actor: Any, round: Round, **fields: Any) -> Round:
    """Change a round while it is being prepared (``ROUND_FIELDS``)."""
    _require(actor, round.edition)
    _unknown(fields, ROUND_FIELDS)
    with transaction.atomic():
        _lock_edition(round.edition)
        row = Round.objects.select_for_update(of=("self",)).select_related("edition__park").get(pk=round.pk)
        _require_draft(row)
        _round_fields(row, fields, row.edition.park)
        _round_check(row, has_criteria=row.criteria.exists())
        _save(row, "position", _("Another round of this edition has this position."))
    return row


def round_delete(*, actor: Any, round: Round) -> None:
    """Remove a round still being prepared (idempotent), with its criteria."""
    _require(actor, round.edition)
    with transaction.atomic():
        _lock_edition(round.edition)
        row = Round.objects.filter(pk=round.pk).first()
        if row is None:
            return
        _require_draft(row)
        if row.entries.exists():
            raise Conflict(_("Applications are already in this round: it cannot be deleted."))
        row.delete()


# --- criteria ---------------------------------------------------------------------------------------

def _criterion_fields(row: Criterion, data: dict[str, Any]) -> None:
    if "name_zh" in data:
        row.name_zh = _name(data["name_zh"], "name_zh", 40)
    if "name_en" in data:
        row.name_en = _name(data["name_en"], "name_en", 80, required=False)
    if "description" in data:
        row.description = _name(data["description"], "description", 300, required=False)
    if "weight" in data:
        row.weight = _int(data["weight"], "weight", low=1, high=100)  # type: ignore[assignment]
    if "max_score" in data:
        row.max_score = _int(data["max_score"], "max_score", low=1, high=100)  # type: ignore[assignment]
    if "position" in data and data["position"] not in (None, ""):
        row.position = _int(data["position"], "position", low=0, high=1000)  # type: ignore[assignment]


def _lock_round(round: Round) -> Round:
    row = Round.objects.select_for_update().get(pk=round.pk)
    _require_draft(row)
    return row


def criterion_create(*, actor: Any, round: Round, name_zh: str, weight: Any, name_en: str = "",
                     description: str = "", max_score: Any = 10, position: Any = None) -> Criterion:
    """A weighted criterion of a scored round being prepared (weight 1..100 %; the round's weights must
    sum to 100 before it starts, which ``round_weights_ok`` tells)."""
    _require(actor, round.edition)
    if round.kind == RoundKind.SCREENING:
        raise Invalid(_("A screening round is pass or fail: it has no criteria."), code=ErrorCode.INVALID_CHOICE)
    row = Criterion(round=round)
    _criterion_fields(row, {"name_zh": name_zh, "name_en": name_en, "description": description, "weight": weight,
                            "max_score": max_score, "position": position})
    with transaction.atomic():
        _lock_round(round)
        if position in (None, ""):
            row.position = _next_position(Criterion.objects.filter(round=round))
        row.save()
    return row


def criterion_update(*, actor: Any, criterion: Criterion, **fields: Any) -> Criterion:
    _require(actor, criterion.round.edition)
    _unknown(fields, CRITERION_FIELDS)
    with transaction.atomic():
        _lock_round(criterion.round)
        row = Criterion.objects.select_for_update().get(pk=criterion.pk)
        _criterion_fields(row, fields)
        row.save()
    return row


def criterion_delete(*, actor: Any, criterion: Criterion) -> None:
    _require(actor, criterion.round.edition)
    with transaction.atomic():
        _lock_round(criterion.round)
        Criterion.objects.filter(pk=criterion.pk).delete()


def round_weights_ok(round: Round) -> bool:
    """The round's criteria weights sum to exactly 100 (a scored round cannot start otherwise)."""
    return sum(round.criteria.values_list("weight", flat=True)) == 100
