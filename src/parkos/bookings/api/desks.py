"""Placeholder: filled in by the desks part."""

from ninja import Router

router = Router()
