"""What the network registers with other parts on start-up (imported by NetworkConfig.ready): the
"network" section of a member's data export and the home page's part."""

from parkos.network import home, personal_data  # noqa: F401  (both register on import)
