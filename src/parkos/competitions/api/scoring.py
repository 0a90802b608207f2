"""The competition API: scoring (being built)."""

from ninja import Router

router = Router()
