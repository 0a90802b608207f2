"""What access registers with other parts on start-up (imported by AccessConfig.ready)."""
