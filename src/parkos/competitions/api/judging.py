"""The competition API: judging (being built)."""

from ninja import Router

router = Router()
