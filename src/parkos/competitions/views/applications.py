"""Pages of applications: a team starts or resumes its application (as its enterprise or as a team not yet
registered), fills the form the organisers configured, saves drafts, uploads attachments, submits with the
eligibility reasons shown, withdraws, and follows where it stands in each round; its list of applications;
the organisers' list of an edition's applications (filters, counts, CSV); the attachment download, served
only to those who may view the application. Each page calls the same services and selectors as the API."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.audit.services import audit_read
from parkos.competitions.forms_applications import UNREGISTERED, ApplicationForm, StartForm, UploadForm
from parkos.competitions.models import (
    Application,
    ApplicationStatus,
    Edition,
    EditionStatus,
    FieldKind,
    FormField,
)
from parkos.competitions.selectors import applications as selectors
from parkos.competitions.services import applications as services
from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.exports import table_download
from parkos.core.forms import page_action
from parkos.core.pagination import CappedPaginator

PAGE_SIZE = 30


def _admin_enterprises(user: Any, edition: Edition) -> list[tuple[int, str]]:
    from parkos.enterprises.models import Enterprise
    from parkos.enterprises.selectors import enterprise_ids_of

    return list(Enterprise.objects.filter(pk__in=enterprise_ids_of(user, admin=True), park_id=edition.park_id,
                                          is_active=True).order_by("name").values_list("pk", "name"))


@login_required
def apply(request: HttpRequest, edition_id: int) -> HttpResponse:
    """Start an application (choose the track, as an enterprise or a team) or resume the one started."""
    edition = selectors.edition_for(request.user, edition_id)
    existing = selectors.my_applications(viewer=request.user).filter(edition=edition).first()
    if existing is not None and request.method != "POST":
        return redirect("competitions:application", existing.pk)
    enterprises = _admin_enterprises(request.user, edition)
    form = StartForm(request.POST or None, edition=edition, enterprises=enterprises)
    if request.method == "POST" and form.is_valid():
        from parkos.enterprises.selectors import enterprise_get

        data = form.cleaned_data
        with page_action(request, form=form) as done:
            enterprise = (None if data["applicant"] == UNREGISTERED
                          else enterprise_get(viewer=request.user, enterprise_id=int(data["applicant"])))
            application, created = services.application_start(
                actor=request.user, edition=edition, track=data["track"], project_name=data["project_name"],
                team_name=data["team_name"], enterprise=enterprise)
        if done:
            from django.contrib import messages

            messages.success(request, _("Your application has been started: fill it in and submit it before the "
                                        "deadline.") if created else _("Here is the application you started."))
            return redirect("competitions:application", application.pk)
    return render(request, "competitions/applications/apply.html", {
        "edition": edition, "form": form, "now": timezone.now(),
        "deadline_passed": timezone.now() > edition.deadline_at,
        "can_apply": bool(form.fields["applicant"].choices)},  # type: ignore[attr-defined]
        status=400 if form.errors else 200)


def _award(user: Any, application: Application) -> Any:
    """The team's award, when the edition gave it one (the awards part's read function)."""
    from parkos.competitions.selectors.awards import award_for

    if not policy.can(user, "competitions.award.view", application):
        return None
    return award_for(viewer=user, application=application)


def _fields(application: Application) -> list[FormField]:
    return list(FormField.objects.filter(edition_id=application.edition_id).order_by("position", "id"))


def _application_page(request: HttpRequest, application: Application, *, form: ApplicationForm | None = None,
                      uploads: dict[str, UploadForm] | None = None, reasons: list[str] | None = None,
                      status: int = 200) -> HttpResponse:
    now = timezone.now()
    fields = _fields(application)
    editable = (selectors.may_edit(request.user, application) and application.status != ApplicationStatus.WITHDRAWN
                and application.edition.status == EditionStatus.OPEN and now <= application.edition.deadline_at)
    attachments = {a.field_key: a for a in selectors.attachment_list(application)}
    uploads = uploads or {}
    file_rows = [{"field": f, "attachment": attachments.get(f.key), "form": uploads.get(f.key) or UploadForm(
        prefix=f"f-{f.key}"), "types": ", ".join(t.upper() for t in (f.file_types or ["pdf"])), "max_mb": f.max_mb}
                 for f in fields if f.kind == FieldKind.FILE]
    answers = [(f, application.answers.get(f.key)) for f in fields if f.kind != FieldKind.FILE]
    context = {
        "application": application, "edition": application.edition, "editable": editable, "now": now,
        "may_edit": selectors.may_edit(request.user, application),
        "deadline_passed": now > application.edition.deadline_at,
        "form": form or (ApplicationForm(application=application, fields=fields) if editable else None),
        "file_rows": file_rows, "answers": answers,
        "reasons": reasons if reasons is not None else (
            services.eligibility_reasons(application, now=now) if editable else []),
        "progress": selectors.application_progress(viewer=request.user, application=application),
        "award": _award(request.user, application),
        "organiser": selectors.may_organise(request.user, application.edition),
    }
    response = render(request, "competitions/applications/detail.html", context, status=status)
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    """The application: its form (save the draft), its files, submission, withdrawal and its progress."""
    application = selectors.application_get(viewer=request.user, application_id=application_id)
    if request.method != "POST":
        return _application_page(request, application)
    policy.require(request.user, "competitions.application.edit", application)  # a colleague reads only
    form = ApplicationForm(request.POST, application=application, fields=_fields(application))
    if form.is_valid():
        with page_action(request, form=form, success=_("Saved.")) as done:
            services.application_save(actor=request.user, application=application, **form.service_fields())
        if done:
            return redirect("competitions:application", application.pk)
    return _application_page(request, application, form=form, status=400)


@login_required
@require_POST
def attachment_upload(request: HttpRequest, application_id: int, field_key: str) -> HttpResponse:
    application = selectors.application_get(viewer=request.user, application_id=application_id)
    policy.require(request.user, "competitions.application.edit", application)
    upload = UploadForm(request.POST, request.FILES, prefix=f"f-{field_key}")
    if upload.is_valid():
        with page_action(request, form=upload, success=_("The file has been uploaded.")) as done:
            services.attachment_upload(actor=request.user, application=application, field_key=field_key,
                                       file=upload.cleaned_data["file"])
        if done:
            return redirect("competitions:application", application.pk)
    return _application_page(request, application, uploads={field_key: upload}, status=400)


@login_required
@require_POST
def application_submit(request: HttpRequest, application_id: int) -> HttpResponse:
    application = selectors.application_get(viewer=request.user, application_id=application_id)
    with page_action(request, success=_("Your application has been submitted.")) as done:
        services.application_submit(actor=request.user, application=application)
    if done:
        return redirect("competitions:application", application.pk)
    application = selectors.application_get(viewer=request.user, application_id=application_id)
    reasons = (done.error.details.get("__all__") if done.error is not None and done.error.details else None)
    return _application_page(request, application, reasons=reasons, status=400)


@login_required
@require_POST
def application_withdraw(request: HttpRequest, application_id: int) -> HttpResponse:
    application = selectors.application_get(viewer=request.user, application_id=application_id)
    with page_action(request, success=_("Your application has been withdrawn.")):
        services.application_withdraw(actor=request.user, application=application)
    return redirect("competitions:application", application.pk)


@login_required
def my_applications(request: HttpRequest) -> HttpResponse:
    rows = selectors.my_applications(viewer=request.user)
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "competitions/applications/mine.html", {"page": page})


@login_required
def application_list(request: HttpRequest, edition_id: int) -> HttpResponse:
    """The organisers' list: filters (track, status, search), counts, pages and the CSV of the list."""
    edition = selectors.edition_for(request.user, edition_id)
    get = request.GET
    track = get.get("track", "")[:12]
    status = get.get("status", "")[:12]
    filters = {"q": get.get("q", "")[:50], "track": track if track.isdigit() else "",
               "status": status if status in ApplicationStatus.values else ""}
    args: dict[str, Any] = {"track": filters["track"] or None, "status": filters["status"] or None,
                            "q": filters["q"]}
    if get.get("export"):
        header, table = selectors.application_export_rows(viewer=request.user, edition=edition, **args)
        response = table_download(header=header, rows=table, fmt=get.get("export", "")[:5],
                                  filename=f"applications-{edition.year}", sheet="applications")
        response["Cache-Control"] = "private, no-store"
        return response
    rows = selectors.application_list(viewer=request.user, edition=edition, **args)
    counts = selectors.application_counts(viewer=request.user, edition=edition)
    page = CappedPaginator(rows, PAGE_SIZE).get_page(get.get("page"))
    querystring = urlencode({k: v for k, v in filters.items() if v})
    return render(request, "competitions/applications/list.html", {
        "edition": edition, "page": page, "f": filters, "querystring": querystring,
        "counts": counts, "statuses": ApplicationStatus.choices, "tracks": list(edition.tracks.all()),
        "status_counts": [(value, label, counts.by_status.get(value, 0)) for value, label in ApplicationStatus.choices]})


@login_required
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    """The file, always as a download with its stored type (never sniffed by the browser)."""
    attachment = selectors.attachment_get(viewer=request.user, attachment_id=attachment_id)
    audit_read(request, what="competitions.attachment.download", subject=attachment)
    application = attachment.application
    name = attachment.name
    if not (policy.relations_of(request.user, application) & selectors.TEAM_RELATIONS
            or selectors.may_organise(request.user, application.edition)):
        # A judge: the file is named by its question, not by what the team called it (anonymous rounds).
        name = f"{attachment.field_key}.{attachment.name.rsplit('.', 1)[-1]}"
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise NotFound(_("This file is no longer available.")) from None
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


urlpatterns: list[URLPattern] = [
    path("editions/<int:edition_id>/apply/", apply, name="apply"),
    path("editions/<int:edition_id>/applications/", application_list, name="applications"),
    path("applications/", my_applications, name="my_applications"),
    path("applications/<int:application_id>/", application_detail, name="application"),
    path("applications/<int:application_id>/files/<slug:field_key>/", attachment_upload, name="application_upload"),
    path("applications/<int:application_id>/submit/", application_submit, name="application_submit"),
    path("applications/<int:application_id>/withdraw/", application_withdraw, name="application_withdraw"),
    path("attachments/<int:attachment_id>/", attachment_download, name="attachment"),
]
