"""Supports on real threads against the real database: many members (some pressing twice, some
withdrawing) hit one suggestion at once; the counter equals the rows and the clock starts once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connections

from parkos.accounts.models import User
from parkos.community.models import Suggestion, SuggestionSupport
from parkos.community.services import suggestions as services
from parkos.community.tests.factories_civic import make_suggestion, set_threshold

pytestmark = pytest.mark.django_db(transaction=True)
PEOPLE = 40
WORKERS = 16


def test_concurrent_supports_leave_a_consistent_count() -> None:
    set_threshold(support_threshold=PEOPLE // 2, reply_workdays=5)
    s = make_suggestion()
    password = make_password(None)
    User.objects.bulk_create([User(email=f"fan{i}@example.cn", display_name=f"支持者{i}", password=password)
                              for i in range(PEOPLE)])
    people = list(User.objects.filter(email__startswith="fan").order_by("pk"))
    # Everyone supports; the first ten press twice; the last five support then withdraw.
    jobs = [("support", p) for p in people] + [("support", p) for p in people[:10]] + \
           [("withdraw", p) for p in people[-5:]]
    start = threading.Barrier(WORKERS)
    started: set[str] = set()
    errors: list[BaseException] = []

    def run(job: tuple[str, User]) -> bool:
        action, user = job
        try:
            name = threading.current_thread().name
            if name not in started:
                started.add(name)
                start.wait(timeout=60)
            target = Suggestion.objects.get(pk=s.pk)
            if action == "support":
                return services.suggestion_support(actor=user, suggestion=target)
            return services.suggestion_withdraw(actor=user, suggestion=target)
        except BaseException as error:
            errors.append(error)
            raise
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(run, jobs))

    assert not errors, errors[:3]
    s.refresh_from_db()
    rows = SuggestionSupport.objects.filter(suggestion=s).count()
    assert s.support_count == rows
    # Each person added exactly one support; a withdrawal that ran first found nothing to remove.
    assert results[:PEOPLE].count(True) + results[PEOPLE:PEOPLE + 10].count(True) == PEOPLE
    withdrawn = results[-5:].count(True)
    assert rows == PEOPLE - withdrawn
    assert s.threshold_reached_at is not None and s.reply_due is not None
