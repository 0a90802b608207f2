"""API: the network's capital under /api/v1/network/."""

from ninja import Router

router = Router(tags=["network: capital"])
