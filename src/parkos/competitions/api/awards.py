"""The competition API: awards (being built)."""

from ninja import Router

router = Router()
