"""The schedule in the back office: operators change a job's interval or time of day and switch it off;
the last run, its duration and outcome, and the recent runs are shown read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkos.jobs.models import JobRun, ScheduledJob
from parkos.jobs.schedule import next_run
from parkos.jobs.services import job_run_now


class JobRunInline(admin.TabularInline):  # type: ignore[type-arg]
    model = JobRun
    extra = 0
    max_num = 0
    can_delete = False
    fields = ("started_at", "node", "duration_ms", "outcome", "result")
    readonly_fields = fields
    ordering = ("-started_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[JobRun]:
        return super().get_queryset(request).order_by("-started_at")


@admin.register(ScheduledJob)
class ScheduledJobAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "schedule_text", "enabled", "next_run_at", "last_started_at", "last_duration_ms",
                    "last_outcome", "runs", "failures")
    list_filter = ("enabled", "last_outcome")
    search_fields = ("name", "description")
    fields = ("name", "description", "target", "every_minutes", "at", "enabled", "next_run_at", "lease_owner",
              "lease_until", "last_started_at", "last_finished_at", "last_duration_ms", "last_outcome",
              "last_result", "runs", "failures")
    readonly_fields = ("name", "description", "target", "next_run_at", "lease_owner", "lease_until",
                       "last_started_at", "last_finished_at", "last_duration_ms", "last_outcome", "last_result",
                       "runs", "failures")
    inlines = [JobRunInline]
    actions = ["run_now"]

    @admin.display(description=_("schedule"))
    def schedule_text(self, obj: ScheduledJob) -> str:
        return obj.schedule_text

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # jobs are declared by the code (schedules.py); operators change their schedule

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ScheduledJob, form: Any, change: bool) -> None:
        if {"every_minutes", "at"} & set(form.changed_data):
            obj.next_run_at = next_run(every_minutes=obj.every_minutes, at=obj.at, after=timezone.now())
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Run the selected jobs now"))
    def run_now(self, request: HttpRequest, queryset: QuerySet[ScheduledJob]) -> None:
        for job in queryset:
            run = job_run_now(name=job.name)
            if run is None:
                self.message_user(request, _("%(job)s is running on another node.") % {"job": job.name},
                                  messages.WARNING)
            else:
                level = messages.SUCCESS if run.outcome == ScheduledJob.Outcome.OK else messages.ERROR
                self.message_user(request, f"{job.name}: {run.get_outcome_display()} ({run.duration_ms} ms)", level)
