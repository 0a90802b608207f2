"""What access registers with other parts on start-up (imported by AccessConfig.ready): the map's source
of "physically in the park today" (asked only about members who consented to the marker) and the
"access" section of a member's data export."""

from parkos.access import personal_data  # noqa: F401  (registers the export section on import)
from parkos.access.selectors.presence import in_park_today
from parkos.space.presence import presence_provider_register

presence_provider_register(in_park_today)
