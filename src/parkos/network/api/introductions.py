"""API: the network's introductions under /api/v1/network/."""

from ninja import Router

router = Router(tags=["network: introductions"])
