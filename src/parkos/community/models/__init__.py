"""The community domain's tables, one module per part of the domain."""

from parkos.community.models.groups import *  # noqa: F403
from parkos.community.models.moderation import *  # noqa: F403
from parkos.community.models.posts import *  # noqa: F403
from parkos.community.models.suggestions import *  # noqa: F403
