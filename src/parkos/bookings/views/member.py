"""Placeholder: the member's pages (grid, finder, booking, my bookings, check-in)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
