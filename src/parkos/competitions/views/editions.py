"""Pages of editions: the current park's editions, an edition's public page (about, tracks, the timeline in
Beijing time, the apply button while the call is open, each published round's results), the organisers'
dashboard (figures and a link to every organiser page of the competition) and the configuration pages:
the edition, its tracks, the application form, the rounds and their criteria. Each page calls the same
services and selectors as the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.competitions.forms_editions import (
    CopyForm,
    CriterionForm,
    EditionForm,
    FieldForm,
    RoundForm,
    TrackForm,
)
from parkos.competitions.models import Edition, EditionStatus, FieldKind, Round, RoundKind, RoundStatus
from parkos.competitions.selectors import editions as selectors
from parkos.competitions.services import editions as services
from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.forms import page_action
from parkos.core.pagination import CappedPaginator

PAGE_SIZE = 12
MANAGE = "competitions.edition.manage"


def link(name: str, *args: Any) -> str:
    """The address of another page of the competition, or "" while that page does not exist (each part of
    the competition adds its own pages; a missing one is left out rather than breaking this page)."""
    try:
        return reverse(f"competitions:{name}", args=args)
    except NoReverseMatch:
        return ""


def _id(request: HttpRequest) -> int:
    raw = request.POST.get("id", "")
    return int(raw) if raw.isdigit() and len(raw) < 18 else 0


def _managed_edition(request: HttpRequest, edition_id: int) -> Edition:
    edition = selectors.edition_get(viewer=request.user, edition_id=edition_id)
    policy.require(request.user, MANAGE, edition)
    return edition


def zone_label() -> str:
    """How the page names the park's time zone: "Beijing time" for China's, else the zone's own name."""
    zone = str(timezone.get_default_timezone())
    return _("Beijing time") if zone in ("Asia/Shanghai", "Asia/Chongqing", "PRC") else zone


def park_time(value: Any) -> str:
    """A moment as "2026-09-30 23:59:59 (Beijing time)" in the park's zone; a date as "2026-09-30"."""
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value, timezone.get_default_timezone())
        return f"{local:%Y-%m-%d %H:%M:%S} ({zone_label()})"
    return value.isoformat() if isinstance(value, dt.date) else ""


def _status(form: forms.BaseForm) -> int:
    return 400 if form.errors else 200


# --- public pages ---------------------------------------------------------------------------------

def index(request: HttpRequest) -> HttpResponse:
    park = request.park  # type: ignore[attr-defined]
    rows = selectors.edition_list(viewer=request.user, park=park)
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "competitions/editions/index.html", {
        "page": page, "park": park, "manage": selectors.can_manage(request.user, park),
        "my_applications": link("my_applications") if request.user.is_authenticated else "",
        "judge_home": link("judge_home") if policy.can(request.user, "competitions.judge.area") else ""})


def edition_page(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = selectors.edition_get(viewer=request.user, edition_id=edition_id)
    now = timezone.now()
    call_open = edition.status == EditionStatus.OPEN and edition.call_opens_at <= now <= edition.deadline_at
    results = [(r, link("results", r.pk)) for r in selectors.published_rounds(edition)]
    return render(request, "competitions/editions/edition.html", {
        "edition": edition, "tracks": list(edition.tracks.all()),
        "timeline": [(item, park_time(item.when)) for item in selectors.edition_timeline(edition, now=now)],
        "deadline_text": park_time(edition.deadline_at), "opens_text": park_time(edition.call_opens_at),
        "call_open": call_open, "not_yet_open": edition.status == EditionStatus.OPEN and now < edition.call_opens_at,
        "deadline_passed": now > edition.deadline_at, "apply_url": link("apply", edition.pk),
        "results": [(r, url) for r, url in results if url],
        "manage": selectors.can_manage(request.user, edition)})


# --- the organisers' dashboard --------------------------------------------------------------------

def _organiser_links(edition: Edition, rows: list[selectors.RoundRow]) -> dict[str, Any]:
    edition_links = [(label, link(name, edition.pk)) for name, label in (
        ("applications", _("Applications")), ("judges", _("Judges")), ("conflicts", _("Conflicts of interest")),
        ("recusals_csv", _("Recusals (CSV)")), ("appeals", _("Appeals")), ("awards", _("Awards")))]
    round_links = []
    for row in rows:
        names = [("screening", _("Screening"))] if row.round.kind == RoundKind.SCREENING else []
        names += [("assignments", _("Assignments")), ("scores", _("Scores")), ("ranking", _("Ranking"))]
        if row.round.kind == RoundKind.ROADSHOW:
            names.append(("roadshow", _("Roadshow")))
        if row.round.status == RoundStatus.PUBLISHED:
            names.append(("results", _("Results")))
        round_links.append((row, [(label, url) for label, url in ((lb, link(n, row.round.pk)) for n, lb in names)
                                  if url]))
    return {"edition_links": [(label, url) for label, url in edition_links if url], "round_links": round_links}


@login_required
def manage(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = _managed_edition(request, edition_id)
    board = selectors.edition_dashboard(viewer=request.user, edition=edition)
    next_status = services.NEXT_STATUS.get(EditionStatus(edition.status))
    return render(request, "competitions/editions/manage.html", {
        "edition": edition, "board": board, **_organiser_links(edition, board.rounds),
        "next_status": next_status, "next_label": EditionStatus(next_status).label if next_status else "",
        "copy_form": CopyForm(initial={"year": edition.year + 1})})


@login_required
@require_POST
def edition_status(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = _managed_edition(request, edition_id)
    with page_action(request, success=_("The edition's status has been changed.")):
        services.edition_status_set(actor=request.user, edition=edition, status=request.POST.get("status", ""))
    return redirect("competitions:manage", edition.pk)


@login_required
@require_POST
def edition_copy(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = _managed_edition(request, edition_id)
    form = CopyForm(request.POST)
    if form.is_valid():
        with page_action(request, form=form, success=_("The new edition has been prepared from this one.")) as done:
            copy = services.edition_copy(actor=request.user, edition=edition, year=form.cleaned_data["year"])
        if done:
            return redirect("competitions:manage", copy.pk)
    board = selectors.edition_dashboard(viewer=request.user, edition=edition)
    next_status = services.NEXT_STATUS.get(EditionStatus(edition.status))
    return render(request, "competitions/editions/manage.html", {
        "edition": edition, "board": board, **_organiser_links(edition, board.rounds), "next_status": next_status,
        "next_label": EditionStatus(next_status).label if next_status else "", "copy_form": form}, status=400)


# --- the edition ----------------------------------------------------------------------------------

def _edition_initial(edition: Edition) -> dict[str, Any]:
    park = edition.park
    return {"year": edition.year, "name_zh": edition.name_zh, "name_en": edition.name_en,
            "description": edition.description, "call_opens_on": services.local_day(edition.call_opens_at, park),
            "deadline_on": services.local_day(edition.deadline_at, park), "final_on": edition.final_on,
            "results_on": edition.results_on, "allow_unregistered": edition.allow_unregistered,
            "require_park_enterprise": edition.require_park_enterprise,
            "max_company_age_years": edition.max_company_age_years, "min_team_size": edition.min_team_size,
            "max_team_size": edition.max_team_size, "feedback_to_teams": edition.feedback_to_teams,
            "appeal_days": edition.appeal_days}


@login_required
def edition_new(request: HttpRequest) -> HttpResponse:
    park = request.park  # type: ignore[attr-defined]
    policy.require(request.user, MANAGE, park)
    form = EditionForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The edition has been created.")) as done:
            edition = services.edition_create(actor=request.user, park=park, **form.cleaned_data)
        if done:
            return redirect("competitions:manage", edition.pk)
    return render(request, "competitions/editions/edition_form.html",
                  {"form": form, "park": park, "title": _("New edition")}, status=_status(form))


@login_required
def edition_edit(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = _managed_edition(request, edition_id)
    form = EditionForm(request.POST or None, initial=_edition_initial(edition))
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The edition has been saved.")) as done:
            services.edition_update(actor=request.user, edition=edition, **form.cleaned_data)
        if done:
            return redirect("competitions:manage", edition.pk)
    return render(request, "competitions/editions/edition_form.html",
                  {"form": form, "edition": edition, "title": _("Edit the edition")}, status=_status(form))


# --- tracks ---------------------------------------------------------------------------------------

@login_required
def tracks(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = _managed_edition(request, edition_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = TrackForm(request.POST if action == "add" else None)
    if action == "add" and form.is_valid():
        with page_action(request, form=form, success=_("The track has been added.")) as done:
            services.track_create(actor=request.user, edition=edition, **form.cleaned_data)
        if done:
            return redirect("competitions:edition_tracks", edition.pk)
    elif action == "delete":
        with page_action(request, success=_("The track has been deleted.")):
            services.track_delete(actor=request.user, track=_own(selectors.track_get(
                viewer=request.user, track_id=_id(request)), edition))
        return redirect("competitions:edition_tracks", edition.pk)
    return render(request, "competitions/editions/tracks.html", {
        "edition": edition, "form": form, "tracks": selectors.track_list(viewer=request.user, edition=edition)},
        status=_status(form))


def _own(row: Any, edition: Edition) -> Any:
    """A row addressed through an edition's page belongs to that edition."""
    owner = getattr(row, "edition_id", None) or getattr(getattr(row, "round", None), "edition_id", None)
    if owner != edition.pk:
        raise NotFound(_("Not found."))
    return row


@login_required
def track_edit(request: HttpRequest, track_id: int) -> HttpResponse:
    track = selectors.track_get(viewer=request.user, track_id=track_id)
    form = TrackForm(request.POST or None, initial={
        "code": track.code, "name_zh": track.name_zh, "name_en": track.name_en,
        "industry": str(track.industry_id or ""), "position": track.position})
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The track has been saved.")) as done:
            services.track_update(actor=request.user, track=track, **form.cleaned_data)
        if done:
            return redirect("competitions:edition_tracks", track.edition_id)
    return render(request, "competitions/editions/row_form.html", {
        "form": form, "edition": track.edition, "title": _("Edit the track"),
        "back": reverse("competitions:edition_tracks", args=[track.edition_id])}, status=_status(form))


# --- the application form -------------------------------------------------------------------------

def _field_data(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    data["choices"] = data.get("choices") or ""
    data["file_types"] = list(data.get("file_types") or [])
    return data


@login_required
def form_fields(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = _managed_edition(request, edition_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = FieldForm(request.POST if action == "add" else None)
    if action == "add" and form.is_valid():
        with page_action(request, form=form, success=_("The question has been added.")) as done:
            services.field_create(actor=request.user, edition=edition, **_field_data(form.cleaned_data))
        if done:
            return redirect("competitions:edition_form", edition.pk)
    elif action in ("delete", "up", "down"):
        with page_action(request, success=_("The question has been deleted.") if action == "delete" else None):
            row = _own(selectors.field_get(viewer=request.user, field_id=_id(request)), edition)
            if action == "delete":
                services.field_delete(actor=request.user, field=row)
            else:
                services.field_move(actor=request.user, field=row, up=action == "up")
        return redirect("competitions:edition_form", edition.pk)
    return render(request, "competitions/editions/form_fields.html", {
        "edition": edition, "form": form, "fields": list(selectors.field_list(viewer=request.user, edition=edition)),
        "file_kind": FieldKind.FILE, "choice_kind": FieldKind.CHOICE}, status=_status(form))


@login_required
def field_edit(request: HttpRequest, field_id: int) -> HttpResponse:
    row = selectors.field_get(viewer=request.user, field_id=field_id)
    form = FieldForm(request.POST or None, initial={
        "key": row.key, "kind": row.kind, "label_zh": row.label_zh, "label_en": row.label_en, "help_zh": row.help_zh,
        "help_en": row.help_en, "required": row.required, "max_chars": row.max_chars,
        "choices": "\n".join(row.choices or []), "file_types": list(row.file_types or []), "max_mb": row.max_mb,
        "position": row.position})
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The question has been saved.")) as done:
            services.field_update(actor=request.user, field=row, **_field_data(form.cleaned_data))
        if done:
            return redirect("competitions:edition_form", row.edition_id)
    return render(request, "competitions/editions/row_form.html", {
        "form": form, "edition": row.edition, "title": _("Edit the question"),
        "back": reverse("competitions:edition_form", args=[row.edition_id])}, status=_status(form))


# --- rounds and criteria --------------------------------------------------------------------------

def _round_data(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    for name in ("normalise", "drop_extremes"):
        if data.get(name) == "":
            data[name] = None
    return data


@login_required
def rounds(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = _managed_edition(request, edition_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = RoundForm(request.POST if action == "add" else None)
    if action == "add" and form.is_valid():
        with page_action(request, form=form, success=_("The round has been added.")) as done:
            rnd = services.round_create(actor=request.user, edition=edition, **_round_data(form.cleaned_data))
        if done:
            return redirect("competitions:edition_round", rnd.pk)
    elif action == "delete":
        with page_action(request, success=_("The round has been deleted.")):
            services.round_delete(actor=request.user, round=_own(selectors.round_get(
                viewer=request.user, round_id=_id(request)), edition))
        return redirect("competitions:edition_rounds", edition.pk)
    return render(request, "competitions/editions/rounds.html", {
        "edition": edition, "form": form, "rows": selectors.round_rows(edition),
        "scored_kinds": (RoundKind.ONLINE, RoundKind.ROADSHOW), "draft": RoundStatus.DRAFT}, status=_status(form))


def _round_initial(rnd: Round) -> dict[str, Any]:
    return {"kind": rnd.kind, "name_zh": rnd.name_zh, "name_en": rnd.name_en, "position": rnd.position,
            "opens_at": timezone.localtime(rnd.opens_at) if rnd.opens_at else None,
            "closes_at": timezone.localtime(rnd.closes_at) if rnd.closes_at else None,
            "judges_per_application": rnd.judges_per_application, "anonymous": rnd.anonymous,
            "normalise": "1" if rnd.normalise else "0", "drop_extremes": "1" if rnd.drop_extremes else "0",
            "divergence_threshold": rnd.divergence_threshold, "tie_rule": rnd.tie_rule,
            "promote_count": rnd.promote_count, "promote_threshold": rnd.promote_threshold}


@login_required
def round_edit(request: HttpRequest, round_id: int) -> HttpResponse:
    """A round's rules and its criteria (with the weights' sum, which must be 100 before judging starts)."""
    rnd = selectors.round_get(viewer=request.user, round_id=round_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = RoundForm(request.POST if action == "save" else None, initial=_round_initial(rnd))
    criterion_form = CriterionForm(request.POST if action == "criterion_add" else None)
    if action == "save" and form.is_valid():
        with page_action(request, form=form, success=_("The round has been saved.")) as done:
            services.round_update(actor=request.user, round=rnd, **_round_data(form.cleaned_data))
        if done:
            return redirect("competitions:edition_round", rnd.pk)
    elif action == "criterion_add" and criterion_form.is_valid():
        with page_action(request, form=criterion_form, success=_("The criterion has been added.")) as done:
            services.criterion_create(actor=request.user, round=rnd, **criterion_form.cleaned_data)
        if done:
            return redirect("competitions:edition_round", rnd.pk)
    elif action == "criterion_delete":
        with page_action(request, success=_("The criterion has been deleted.")):
            criterion = selectors.criterion_get(viewer=request.user, criterion_id=_id(request))
            if criterion.round_id == rnd.pk:
                services.criterion_delete(actor=request.user, criterion=criterion)
        return redirect("competitions:edition_round", rnd.pk)
    criteria = list(rnd.criteria.all())
    weight_sum = sum(c.weight for c in criteria)
    return render(request, "competitions/editions/round.html", {
        "round": rnd, "edition": rnd.edition, "form": form, "criterion_form": criterion_form, "criteria": criteria,
        "weight_sum": weight_sum, "weights_ok": weight_sum == 100, "editable": rnd.status == RoundStatus.DRAFT,
        "scored": rnd.kind != RoundKind.SCREENING},
        status=400 if form.errors or criterion_form.errors else 200)


@login_required
def criterion_edit(request: HttpRequest, criterion_id: int) -> HttpResponse:
    criterion = selectors.criterion_get(viewer=request.user, criterion_id=criterion_id)
    form = CriterionForm(request.POST or None, initial={
        "name_zh": criterion.name_zh, "name_en": criterion.name_en, "description": criterion.description,
        "weight": criterion.weight, "max_score": criterion.max_score, "position": criterion.position})
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The criterion has been saved.")) as done:
            services.criterion_update(actor=request.user, criterion=criterion, **form.cleaned_data)
        if done:
            return redirect("competitions:edition_round", criterion.round_id)
    return render(request, "competitions/editions/row_form.html", {
        "form": form, "edition": criterion.round.edition, "title": _("Edit the criterion"),
        "back": reverse("competitions:edition_round", args=[criterion.round_id])}, status=_status(form))


urlpatterns: list[URLPattern] = [
    path("", index, name="index"),
    path("editions/new/", edition_new, name="edition_new"),
    path("editions/<int:edition_id>/", edition_page, name="edition"),
    path("editions/<int:edition_id>/manage/", manage, name="manage"),
    path("editions/<int:edition_id>/manage/edit/", edition_edit, name="edition_edit"),
    path("editions/<int:edition_id>/manage/status/", edition_status, name="edition_status"),
    path("editions/<int:edition_id>/manage/copy/", edition_copy, name="edition_copy"),
    path("editions/<int:edition_id>/manage/tracks/", tracks, name="edition_tracks"),
    path("editions/<int:edition_id>/manage/form/", form_fields, name="edition_form"),
    path("editions/<int:edition_id>/manage/rounds/", rounds, name="edition_rounds"),
    path("manage/tracks/<int:track_id>/", track_edit, name="edition_track"),
    path("manage/fields/<int:field_id>/", field_edit, name="edition_field"),
    path("manage/rounds/<int:round_id>/", round_edit, name="edition_round"),
    path("manage/criteria/<int:criterion_id>/", criterion_edit, name="edition_criterion"),
]
