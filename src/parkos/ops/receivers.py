"""Signal receivers: the request id crosses into background tasks, and failures are counted.

A task runs in the job worker, another process, long after its request ended, and django_tasks gives a
task no place for our data (its kwargs are the function's). So on ``task_enqueued`` the request's id is
written next to the task's id (``ops.TaskRequest``); on ``task_started`` the worker reads it back into
the context, so every line the task logs (and the worker's own "Task … finished" line) carries it; on
``task_finished`` it is dropped. Backends that run the task at once, in the enqueuing thread, need none
of this: the context is already there."""

from __future__ import annotations

import contextvars
import logging
from typing import Any

from django.core.signals import got_request_exception
from django.dispatch import receiver
from django_tasks import signals as task_signals
from django_tasks.backends.dummy import DummyBackend
from django_tasks.backends.immediate import ImmediateBackend

from parkos.ops import logs, metrics

log = logging.getLogger("parkos.ops")
_adopted: dict[str, contextvars.Token[str]] = {}


def _in_process(sender: Any) -> bool:
    return isinstance(sender, type) and issubclass(sender, ImmediateBackend | DummyBackend)


@receiver(task_signals.task_enqueued, dispatch_uid="ops.task_enqueued")
def task_enqueued(sender: Any, task_result: Any, **kwargs: Any) -> None:
    request_id = logs.current_request_id()
    if request_id == logs.NO_REQUEST or _in_process(sender):
        return
    from parkos.ops.services import task_request_link

    task_request_link(task_id=str(task_result.id), request_id=request_id)


def task_started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    if _in_process(sender):
        return
    from parkos.ops.selectors import task_request_get

    request_id = task_request_get(task_id=str(task_result.id))
    if request_id:
        _adopted[str(task_result.id)] = logs.request_id_set(request_id)


@receiver(task_signals.task_finished, dispatch_uid="ops.task_finished")
def task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    status = getattr(task_result.status, "value", str(task_result.status))
    metrics.TASKS_FINISHED.labels(task_result.task.module_path, str(status).lower()).inc()
    if _in_process(sender):
        return
    token = _adopted.pop(str(task_result.id), None)
    if token is not None:
        from parkos.ops.services import task_request_forget

        logs.request_id_reset(token)
        task_request_forget(task_id=str(task_result.id))


# Ours before django_tasks' own "Task id=… state=RUNNING" line, so that line carries the id too.
task_signals.task_started.disconnect(task_signals.log_task_started)
task_signals.task_started.connect(task_started, dispatch_uid="ops.task_started")
task_signals.task_started.connect(task_signals.log_task_started)


@receiver(got_request_exception, dispatch_uid="ops.request_exception")
def request_exception(sender: Any, request: Any = None, **kwargs: Any) -> None:
    if request is not None:
        metrics.exception_observe(route=metrics.route_of(request))
