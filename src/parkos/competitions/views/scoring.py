"""Pages of the competition: scoring (being built)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
