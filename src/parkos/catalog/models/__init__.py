"""The catalog domain's tables, one module per part of the domain."""

from parkos.catalog.models.catalog import *  # noqa: F403
from parkos.catalog.models.orders import *  # noqa: F403
from parkos.catalog.models.policies import *  # noqa: F403
from parkos.catalog.models.workspace import *  # noqa: F403
