"""Placeholder: filled in by the manage part."""

from ninja import Router

router = Router()
