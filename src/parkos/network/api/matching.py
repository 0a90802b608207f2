"""API: the network's matching under /api/v1/network/."""

from ninja import Router

router = Router(tags=["network: matching"])
