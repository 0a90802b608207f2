"""What insights registers with other parts on start-up (imported by InsightsConfig.ready)."""
