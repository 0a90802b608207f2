"""The embedded SQLite backend queues a process's writers on a lock: held from BEGIN to COMMIT or
ROLLBACK, handed to the next writer at once, never kept after an error."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from parkos.accounts.models import User
from parkos.accounts.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif("connection.vendor != 'sqlite'", reason="the queue is SQLite's")]


def _queue() -> threading.Lock:
    from parkos.core.sqlite.base import _queue_for

    return _queue_for(str(connection.settings_dict["NAME"]))


def test_a_transaction_holds_the_queue_until_commit_or_rollback() -> None:
    if connection.is_in_memory_db():
        pytest.skip("an in-memory database has one connection: nothing to queue")
    queue = _queue()
    with transaction.atomic():
        UserFactory()
        assert queue.locked()
    assert not queue.locked()
    with pytest.raises(RuntimeError), transaction.atomic():
        UserFactory()
        assert queue.locked()
        raise RuntimeError("rolled back")
    assert not queue.locked()
    person = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():  # the error comes from the database itself
        User.objects.create(email=person.email, display_name="重复")
    assert not queue.locked()


def test_writers_in_threads_take_turns_and_all_commit() -> None:
    if connection.is_in_memory_db():
        pytest.skip("an in-memory database has one connection: nothing to queue")
    order: list[str] = []
    inside = threading.Event()
    release = threading.Event()

    def first() -> None:
        with transaction.atomic():
            UserFactory(display_name="甲")
            inside.set()
            release.wait(5)
            order.append("甲 commits")
        connection.close()

    def second() -> None:
        inside.wait(5)
        with transaction.atomic():  # waits on the queue while 甲 holds it
            order.append("乙 begins")
            UserFactory(display_name="乙")
        connection.close()

    a, b = threading.Thread(target=first), threading.Thread(target=second)
    a.start()
    b.start()
    inside.wait(5)
    b.join(0.3)
    assert b.is_alive() and order == []  # 乙 is queued, not failing
    release.set()
    a.join(10)
    b.join(10)
    assert order == ["甲 commits", "乙 begins"]
    assert set(User.objects.filter(display_name__in=["甲", "乙"]).values_list("display_name", flat=True)) == {"甲", "乙"}
    assert not _queue().locked()
