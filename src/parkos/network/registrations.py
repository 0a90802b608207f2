"""What the network registers with other parts on start-up (imported by NetworkConfig.ready)."""
