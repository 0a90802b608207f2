"""On PostgreSQL, the database itself refuses overlapping bookings of a place and overlapping allocations
of a desk: exclusion constraints over time ranges (GiST, with btree_gist for the equality on the place).
SQLite has no such constraint; there every write transaction is serial (BEGIN IMMEDIATE) and the services
check before they write."""

from django.db import migrations

BOOKING = """
ALTER TABLE bookings_booking ADD CONSTRAINT bookings_booking_no_overlap
EXCLUDE USING gist (place_id WITH =, tstzrange(starts_at, blocks_until, '[)') WITH &&)
WHERE (status IN ('pending', 'confirmed', 'checked_in'))
"""
DESK = """
ALTER TABLE bookings_allocateddesk ADD CONSTRAINT bookings_allocated_no_overlap
EXCLUDE USING gist (desk_id WITH =, daterange(starts_on, ends_on, '[]') WITH &&)
"""


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(BOOKING)
    schema_editor.execute(DESK)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE bookings_booking DROP CONSTRAINT IF EXISTS bookings_booking_no_overlap")
    schema_editor.execute("ALTER TABLE bookings_allocateddesk DROP CONSTRAINT IF EXISTS bookings_allocated_no_overlap")


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
