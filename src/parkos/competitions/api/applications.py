"""The competition API: applications (being built)."""

from ninja import Router

router = Router()
