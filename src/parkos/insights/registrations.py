"""What insights registers with other parts on start-up (imported by InsightsConfig.ready): the
"insights" section of a member's data export."""

from parkos.insights import personal_data  # noqa: F401  (registers the export section on import)
