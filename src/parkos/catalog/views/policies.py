from __future__ import annotations

from django.urls import URLPattern

# This part's routes, gathered by ../urls.py.
urls: list[URLPattern] = []
