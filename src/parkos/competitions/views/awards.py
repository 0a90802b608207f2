"""Pages of the competition: awards (being built)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
