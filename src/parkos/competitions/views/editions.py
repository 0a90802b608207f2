"""Pages of the competition: editions (being built)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
