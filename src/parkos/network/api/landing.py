"""API: the network's landing under /api/v1/network/."""

from ninja import Router

router = Router(tags=["network: landing"])
