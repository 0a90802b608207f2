"""Placeholder: filled in by the figures part."""

from ninja import Router

router = Router()
