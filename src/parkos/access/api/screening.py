"""API: screening (filled in by the access work)."""

from ninja import Router

router = Router(tags=["access"])
