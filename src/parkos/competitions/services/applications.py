"""Writes of applications: a team starts one (as an enterprise of the park, by its admin, or as a team not
yet registered), saves its answers as a draft, uploads its attachments, submits before the deadline and may
withdraw until the results.

The deadline is the server's: ``edition.deadline_at`` (23:59:59 of the deadline day in the park's time
zone). After it nothing of an application changes any more (saving, uploading, submitting); the page only
mirrors this.

Locking: every write locks the application's row (``select_for_update(of=("self",))``), so an upload that
replaces a field's file, a save and a submit of the same application run one after the other. The
application's number ("DS2026-0042") is given on its first submission, the next free one of the edition;
two applications submitted at the same instant may compute the same number, and the unique constraint
``competitions_application_number`` decides: the loser takes the next number (a savepoint, then retry).
Starting is idempotent through the unique constraints (edition, applicant) and (edition, enterprise): a
retried start returns the same draft."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from parkos.competitions.models import (
    Application,
    ApplicationStatus,
    Attachment,
    Edition,
    EditionStatus,
    Entry,
    EntryStatus,
    FieldKind,
    FormField,
    Track,
)
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid, field_error
from parkos.core.text import clean_text, has_control_chars

PROJECT_MAX = 80
TEAM_MAX = 100
SUMMARY_MAX = 500
TEXT_DEFAULT_MAX = 200  # a short-text field without its own limit
TEXTAREA_DEFAULT_MAX = 5000
URL_MAX = 500
TEAM_SIZE_MAX = 999
NUMBER_ATTEMPTS = 8
SAVE_FIELDS = ("track", "project_name", "team_name", "team_size", "founded_on", "summary", "answers")


def answer_field(key: str) -> str:
    """The name a form answer's errors carry (``answers.<key>``); the page's form uses the same names."""
    return f"answers.{key}"


def deadline_label(edition: Edition) -> str:
    return date_format(timezone.localtime(edition.deadline_at), "Y-m-d H:i:s")


# --- guards ---------------------------------------------------------------------------------------------

def _refuse_after_deadline(edition: Edition, now: dt.datetime) -> None:
    if now > edition.deadline_at:
        raise Conflict(_("The deadline (%(deadline)s, Beijing time) has passed: applications can no longer be "
                         "submitted or changed.") % {"deadline": deadline_label(edition)},
                       code=ErrorCode.DEADLINE_PASSED)


def _editable(application: Application, now: dt.datetime) -> None:
    """Drafts and submitted applications change until the deadline, while the edition is open."""
    if application.status == ApplicationStatus.WITHDRAWN:
        raise Conflict(_("This application has been withdrawn."), code=ErrorCode.WITHDRAWN)
    edition = application.edition
    _refuse_after_deadline(edition, now)
    if edition.status != EditionStatus.OPEN:
        raise Conflict(_("This edition is not open for applications."), code=ErrorCode.NOT_OPEN)


def _locked(application: Application) -> Application:
    return (Application.objects.select_for_update(of=("self",))
            .select_related("edition", "track", "enterprise").get(pk=application.pk))


# --- cleaning -------------------------------------------------------------------------------------------

def _name(value: Any, *, field: str, limit: int) -> str:
    return clean_text(value, field=field, limit=limit, multiline=False, markup=False)


def _track(edition: Edition, value: Any) -> Track:
    track_id = getattr(value, "pk", value)
    track = Track.objects.filter(edition=edition, pk=track_id).first() if str(track_id or "").isdigit() else None
    if track is None:
        raise field_error("track", _("Choose one of this edition's tracks."), code=ErrorCode.INVALID_CHOICE)
    return track


def _team_size(value: Any) -> int:
    try:
        size = int(str(value).strip())
    except (TypeError, ValueError):
        raise field_error("team_size", _("Enter a whole number."), code=ErrorCode.INVALID) from None
    if not 1 <= size <= TEAM_SIZE_MAX:
        raise field_error("team_size", _("Enter a number from %(low)d to %(high)d.") % {"low": 1, "high": TEAM_SIZE_MAX},
                          code=ErrorCode.OUT_OF_RANGE)
    return size


def _date(value: Any, *, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise field_error(field, _("Enter a date as YYYY-MM-DD."), code=ErrorCode.INVALID) from None


def _founded_on(value: Any) -> dt.date | None:
    day = _date(value, field="founded_on")
    if day is not None and day > timezone.localdate():
        raise field_error("founded_on", _("The founding date cannot be in the future."), code=ErrorCode.IN_THE_FUTURE)
    return day


def _too_long(field: FormField, text: str, limit: int) -> Invalid:
    return field_error(answer_field(field.key),
                       _("“%(label)s” can be at most %(limit)d characters; this answer has %(count)d.")
                       % {"label": field.label, "limit": limit, "count": len(text)}, code=ErrorCode.TOO_LONG)


def clean_answer(field: FormField, value: Any) -> Any:
    """One answer checked against its form field; "" when empty (required is enforced at submission).
    A text's length is counted in characters: a Chinese character counts as one."""
    name = answer_field(field.key)
    if field.kind == FieldKind.FILE:
        raise field_error(name, _("“%(label)s” takes a file: upload it.") % {"label": field.label},
                          code=ErrorCode.INVALID)
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if isinstance(value, (dict, list)):
        raise field_error(name, _("“%(label)s”: this answer is not valid.") % {"label": field.label})
    if field.kind in (FieldKind.TEXT, FieldKind.TEXTAREA):
        multiline = field.kind == FieldKind.TEXTAREA
        limit = field.max_chars or (TEXTAREA_DEFAULT_MAX if multiline else TEXT_DEFAULT_MAX)
        text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
        if not multiline:
            text = " ".join(text.split())
        if len(text) > limit:
            raise _too_long(field, text, limit)
        return clean_text(text, field=name, limit=limit, multiline=multiline, markup=False)
    if field.kind == FieldKind.NUMBER:
        if isinstance(value, bool):
            raise field_error(name, _("“%(label)s”: enter a number.") % {"label": field.label})
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            raise field_error(name, _("“%(label)s”: enter a number.") % {"label": field.label}) from None
        if not number.is_finite() or abs(number) >= Decimal(10) ** 15:
            raise field_error(name, _("“%(label)s”: enter a number.") % {"label": field.label},
                              code=ErrorCode.OUT_OF_RANGE)
        return int(number) if number == number.to_integral_value() else float(number)
    if field.kind == FieldKind.URL:
        text = str(value).strip()
        if len(text) > URL_MAX:
            raise _too_long(field, text, URL_MAX)
        try:
            URLValidator(schemes=["http", "https"])(text)
        except ValidationError:
            raise field_error(name, _("“%(label)s”: enter a web address starting with http:// or https://.")
                              % {"label": field.label}) from None
        return text
    if field.kind == FieldKind.DATE:
        day = _date(value, field=name)
        return day.isoformat() if day else ""
    if field.kind == FieldKind.CHOICE:
        text = str(value).strip()
        if text not in [str(c) for c in field.choices or []] or has_control_chars(text):
            raise field_error(name, _("“%(label)s”: choose one of the offered options.") % {"label": field.label},
                              code=ErrorCode.INVALID_CHOICE)
        return text
    raise field_error(name, _("“%(label)s”: this answer is not valid.") % {"label": field.label})


def clean_answers(edition: Edition, answers: Any, *, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """The answers after applying ``answers`` to ``current``: each given key checked against the edition's
    form (unknown keys refused), an empty one removed."""
    if not isinstance(answers, dict):
        raise field_error("answers", _("The answers are not valid."))
    fields = {f.key: f for f in FormField.objects.filter(edition=edition)}
    unknown = sorted(str(k) for k in answers if k not in fields)
    if unknown:
        raise field_error("answers", _("These questions are not on this edition's form: %(keys)s.")
                          % {"keys": ", ".join(unknown)[:200]}, code=ErrorCode.INVALID)
    result = {k: v for k, v in (current or {}).items() if k in fields}
    for key, value in answers.items():
        cleaned = clean_answer(fields[key], value)
        if cleaned == "":
            result.pop(key, None)
        else:
            result[key] = cleaned
    return result


# --- start ----------------------------------------------------------------------------------------------

def _existing(edition: Edition, actor: Any, enterprise: Any) -> Application | None:
    mine = Application.objects.filter(edition=edition, applicant=actor).first()
    if mine is not None:
        return mine
    if enterprise is not None:
        return Application.objects.filter(edition=edition, enterprise=enterprise).first()
    return None


def application_start(*, actor: Any, edition: Edition, track: Any, project_name: Any, team_name: Any,
                      enterprise: Any = None, now: dt.datetime | None = None) -> tuple[Application, bool]:
    """Start (or resume) ``actor``'s application to ``edition``: as ``enterprise`` (an enterprise of the
    edition's park whose admin ``actor`` is; its other admins share the application) or, when the edition
    allows it, as a team not yet registered. Returns (application, created); a repeated call returns the
    existing application and False (also when another admin of the same enterprise started it)."""
    from parkos.enterprises.selectors import is_staff

    policy.require(actor, "competitions.application.start", edition)
    if enterprise is not None:
        if enterprise.park_id != edition.park_id or not enterprise.is_active:
            raise field_error("enterprise", _("Only an enterprise of this park may apply as an enterprise."),
                              code=ErrorCode.NOT_ELIGIBLE)
        if not is_staff(actor, enterprise, admin=True):
            raise Forbidden(_("Only an admin of the enterprise may apply for it."), code=ErrorCode.FORBIDDEN)
    existing = _existing(edition, actor, enterprise)
    if existing is not None:
        return existing, False
    now = now or timezone.now()
    if edition.status != EditionStatus.OPEN or now < edition.call_opens_at:
        raise Conflict(_("This edition is not open for applications."), code=ErrorCode.NOT_OPEN)
    _refuse_after_deadline(edition, now)
    if enterprise is None and not edition.allow_unregistered:
        raise field_error("enterprise", _("This edition takes applications from enterprises of the park only: "
                                          "apply as your enterprise."), code=ErrorCode.NOT_ELIGIBLE)
    chosen = _track(edition, track)
    project = _name(project_name, field="project_name", limit=PROJECT_MAX)
    team_text = str(team_name or "").strip() or (enterprise.name if enterprise is not None else "")
    team = _name(team_text, field="team_name", limit=TEAM_MAX)
    application = Application(edition=edition, track=chosen, park_id=edition.park_id, applicant=actor,
                              enterprise=enterprise, project_name=project, team_name=team,
                              founded_on=getattr(enterprise, "founded_on", None))
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        # Another request of the same applicant (or another admin of the enterprise) came first.
        existing = _existing(edition, actor, enterprise)
        if existing is None:
            raise
        return existing, False
    return application, True


# --- save -----------------------------------------------------------------------------------------------

def application_save(*, actor: Any, application: Application, now: dt.datetime | None = None,
                     **fields: Any) -> Application:
    """Change a draft or submitted application until the deadline: any of ``track``, ``project_name``,
    ``team_name``, ``team_size``, ``founded_on``, ``summary`` and ``answers`` (a dict by form-field key,
    merged into the saved answers; an empty value removes one). Each answer is checked against its field
    (characters, number, web address, date, choice); required answers are enforced at submission, and for
    an application already submitted they must stay given."""
    unknown = sorted(set(fields) - set(SAVE_FIELDS))
    if unknown:
        raise Invalid(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)})
    policy.require(actor, "competitions.application.edit", application)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(application)
        _editable(locked, now)
        edition = locked.edition
        changed: list[str] = []
        if fields.get("track") is not None:
            locked.track = _track(edition, fields["track"])
            changed.append("track")
        if fields.get("project_name") is not None:
            locked.project_name = _name(fields["project_name"], field="project_name", limit=PROJECT_MAX)
            changed.append("project_name")
        if fields.get("team_name") is not None:
            locked.team_name = _name(fields["team_name"], field="team_name", limit=TEAM_MAX)
            changed.append("team_name")
        if fields.get("team_size") not in (None, ""):
            locked.team_size = _team_size(fields["team_size"])
            changed.append("team_size")
        if "founded_on" in fields:
            locked.founded_on = _founded_on(fields["founded_on"])
            changed.append("founded_on")
        if fields.get("summary") is not None:
            locked.summary = clean_text(fields["summary"], field="summary", limit=SUMMARY_MAX, required=False,
                                        markup=False)
            changed.append("summary")
        if fields.get("answers") is not None:
            locked.answers = clean_answers(edition, fields["answers"], current=locked.answers)
            changed.append("answers")
        if locked.status == ApplicationStatus.SUBMITTED:
            missing = _missing_required(locked)
            if missing:
                raise Invalid(missing[0], code=ErrorCode.REQUIRED, details={"__all__": missing})
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
    return locked


# --- attachments ----------------------------------------------------------------------------------------

def _sha256(upload: Any) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(64 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def attachment_upload(*, actor: Any, application: Application, field_key: str, file: Any,
                      now: dt.datetime | None = None) -> Attachment:
    """The file answering the form's file field ``field_key``: its type judged by its bytes (one of the
    field's types), at most the field's size, its SHA-256 recorded. It replaces the field's previous file
    in one step (the row is updated under the application's lock; the old file is deleted after commit,
    the new one if the write fails)."""
    from parkos.core.uploads import FILE_TYPES, file_check

    policy.require(actor, "competitions.application.edit", application)
    now = now or timezone.now()
    field = FormField.objects.filter(edition_id=application.edition_id, key=str(field_key or "")).first()
    if field is None or field.kind != FieldKind.FILE:
        raise field_error("field_key", _("This form has no such file question."), code=ErrorCode.INVALID_CHOICE)
    name = answer_field(field.key)
    if file is None:
        raise field_error(name, _("Choose a file to upload."), code=ErrorCode.REQUIRED)
    allowed = [t for t in (str(x).lower().lstrip(".") for x in field.file_types or ["pdf"]) if t in FILE_TYPES]
    limit = int(field.max_mb) * 1024 * 1024 if field.max_mb else int(settings.UPLOAD_MAX_BYTES)
    with transaction.atomic():
        locked = _locked(application)
        _editable(locked, now)
        checked = file_check(file, field=name, allowed=allowed or ["pdf"], max_bytes=limit)
        digest = _sha256(file)
        current = Attachment.objects.select_for_update().filter(application=locked, field_key=field.key).first()
        attachment = current or Attachment(application=locked, field_key=field.key)
        old_name = current.file.name if current is not None else ""
        attachment.file.save(checked.name, file, save=False)
        new_name, storage = attachment.file.name, attachment.file.storage
        transaction.on_commit(lambda: storage.delete(old_name) if old_name and old_name != new_name else None)
        attachment.name, attachment.content_type = checked.name, checked.content_type
        attachment.size, attachment.sha256, attachment.uploaded_by = checked.size, digest, actor
        attachment.uploaded_at = timezone.now()
        try:
            attachment.save()
            Application.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
        except Exception:
            storage.delete(new_name)  # the row did not change: the new file must not stay behind
            raise
    return attachment


# --- eligibility and submission -------------------------------------------------------------------------

def _missing_required(application: Application) -> list[str]:
    fields = list(FormField.objects.filter(edition_id=application.edition_id, required=True))
    files = set(Attachment.objects.filter(application=application).values_list("field_key", flat=True))
    reasons: list[str] = []
    for field in fields:
        given = field.key in files if field.kind == FieldKind.FILE else application.answers.get(field.key) not in (None, "")
        if not given:
            message = (_("“%(label)s” is required: upload the file.") if field.kind == FieldKind.FILE
                       else _("“%(label)s” is required."))
            reasons.append(str(message % {"label": field.label}))
    return reasons


def eligibility_reasons(application: Application, *, now: dt.datetime | None = None) -> list[str]:
    """Why ``application`` cannot be submitted now, one clear sentence each (empty: it can)."""
    now = now or timezone.now()
    edition = application.edition
    reasons: list[str] = []
    if application.status == ApplicationStatus.WITHDRAWN:
        return [str(_("This application has been withdrawn."))]
    if now > edition.deadline_at:
        reasons.append(str(_("The deadline (%(deadline)s, Beijing time) has passed.")
                           % {"deadline": deadline_label(edition)}))
    elif edition.status != EditionStatus.OPEN:
        reasons.append(str(_("This edition is not open for applications.")))
    if not application.project_name.strip():
        reasons.append(str(_("Give the project a name.")))
    if not application.team_name.strip():
        reasons.append(str(_("Give the team's or the company's name.")))
    reasons += _missing_required(application)
    if not edition.min_team_size <= application.team_size <= edition.max_team_size:
        reasons.append(str(_("The team must have from %(low)d to %(high)d people; yours has %(n)d.")
                           % {"low": edition.min_team_size, "high": edition.max_team_size, "n": application.team_size}))
    if edition.require_park_enterprise and application.enterprise_id is None:
        reasons.append(str(_("Only enterprises registered in the park may take part: apply as your enterprise.")))
    if edition.max_company_age_years is not None and (application.enterprise_id is not None
                                                      or application.founded_on is not None):
        years = edition.max_company_age_years
        deadline_day = timezone.localtime(edition.deadline_at).date()
        try:
            earliest = deadline_day.replace(year=deadline_day.year - years)
        except ValueError:  # 29 February
            earliest = deadline_day.replace(year=deadline_day.year - years, day=28)
        if application.founded_on is None:
            reasons.append(str(_("Give the date your company was founded: companies founded at most %(n)d years "
                                 "before the deadline may take part.") % {"n": years}))
        elif application.founded_on < earliest:
            reasons.append(str(_("Your company was founded on %(day)s; only companies founded on or after "
                                 "%(earliest)s (at most %(n)d years before the deadline) may take part.")
                               % {"day": application.founded_on.isoformat(), "earliest": earliest.isoformat(),
                                  "n": years}))
    return reasons


def _next_number(edition: Edition) -> str:
    prefix = f"DS{edition.year}-"
    last = (Application.objects.filter(edition=edition, number__startswith=prefix)
            .order_by(Length("number").desc(), "-number").values_list("number", flat=True).first())
    tail = last[len(prefix):] if last else ""
    return f"{prefix}{(int(tail) if tail.isdigit() else 0) + 1:04d}"


def application_submit(*, actor: Any, application: Application, now: dt.datetime | None = None) -> Application:
    """Submit: refused after the deadline (``deadline_passed``, nothing changed) and while any eligibility
    reason stands (``not_eligible``, every reason in the details). The first submission gives the
    application its number; submitting again (after edits) only checks it again."""
    policy.require(actor, "competitions.application.edit", application)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(application)
        if locked.status == ApplicationStatus.WITHDRAWN:
            raise Conflict(_("This application has been withdrawn."), code=ErrorCode.WITHDRAWN)
        _refuse_after_deadline(locked.edition, now)
        reasons = eligibility_reasons(locked, now=now)
        if reasons:
            raise Invalid(reasons[0], code=ErrorCode.NOT_ELIGIBLE, details={"__all__": reasons})
        if locked.status == ApplicationStatus.SUBMITTED:
            return locked
        locked.status, locked.submitted_at = ApplicationStatus.SUBMITTED, now
        if not locked.number:
            for attempt in range(NUMBER_ATTEMPTS):
                locked.number = _next_number(locked.edition)
                try:
                    with transaction.atomic():
                        locked.save(update_fields=["status", "submitted_at", "number", "updated_at"])
                    break
                except IntegrityError:
                    if attempt == NUMBER_ATTEMPTS - 1:
                        raise Conflict(_("Too many applications are being submitted at once: try again."),
                                       code=ErrorCode.CONFLICT) from None
        else:
            locked.save(update_fields=["status", "submitted_at", "updated_at"])
    return locked


def application_withdraw(*, actor: Any, application: Application, now: dt.datetime | None = None) -> Application:
    """Withdraw from the competition until the results are out (the edition finished). The application
    leaves every round it is still being reviewed in (its pending entries become WITHDRAWN); published
    results stay as they were. Withdrawing twice changes nothing."""
    policy.require(actor, "competitions.application.edit", application)
    with transaction.atomic():
        locked = _locked(application)
        if locked.status == ApplicationStatus.WITHDRAWN:
            return locked
        if locked.edition.status == EditionStatus.FINISHED:
            raise Conflict(_("The results are out: the application can no longer be withdrawn."),
                           code=ErrorCode.CLOSED)
        locked.status = ApplicationStatus.WITHDRAWN
        locked.save(update_fields=["status", "updated_at"])
        Entry.objects.filter(application=locked, status=EntryStatus.PENDING).update(status=EntryStatus.WITHDRAWN)
    return locked
