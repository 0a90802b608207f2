"""Placeholder: the member's API."""

from ninja import Router

router = Router()
