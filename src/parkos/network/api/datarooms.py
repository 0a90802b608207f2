"""API: the network's datarooms under /api/v1/network/."""

from ninja import Router

router = Router(tags=["network: datarooms"])
