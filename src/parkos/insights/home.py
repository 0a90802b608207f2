"""The insights domain's part of the home page (registered with core from InsightsConfig.ready)."""
