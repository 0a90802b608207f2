"""Background jobs of bookings (run by the task worker that `parkos serve` starts and by the scheduler)."""

from __future__ import annotations

from django_tasks import task


@task()
def release_no_shows() -> int:
    """Release room and venue bookings nobody checked into within 15 minutes of their start."""
    from parkos.bookings.services.booking import bookings_release_no_shows

    return bookings_release_no_shows()


@task()
def remind_upcoming() -> int:
    """Tell organisers and guests about bookings that start within the next hour (once per booking)."""
    from parkos.bookings.services.booking import bookings_remind

    return bookings_remind()
