"""What rewards registers with other parts on start-up (imported by RewardsConfig.ready): the ledger's
reconciler (``parkos ledger-check``) and the "rewards" section of a member's data export."""

from parkos.core.ledger import register_reconciler
from parkos.rewards import personal_data  # noqa: F401  (registers the export section on import)
from parkos.rewards.services.reconcile import reconcile

register_reconciler("rewards", reconcile)
