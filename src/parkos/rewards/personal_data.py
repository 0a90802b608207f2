"""The "rewards" section of a member's data export (filled in by the wallet part)."""
