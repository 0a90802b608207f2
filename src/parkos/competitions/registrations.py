"""What the competition registers with other parts on start-up (imported by CompetitionsConfig.ready): the
home page's part and the "competitions" section of a member's data export."""

from parkos.competitions import home, personal_data  # noqa: F401  (both register on import)
