"""The competition API: editions (being built)."""

from ninja import Router

router = Router()
