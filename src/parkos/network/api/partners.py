"""API: the network's partners under /api/v1/network/."""

from ninja import Router

router = Router(tags=["network: partners"])
