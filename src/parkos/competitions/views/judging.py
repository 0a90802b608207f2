"""Pages of the competition: judging (being built)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
