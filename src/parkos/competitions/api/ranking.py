"""The competition API: ranking (being built)."""

from ninja import Router

router = Router()
