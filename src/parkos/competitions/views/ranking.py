"""Pages of the competition: ranking (being built)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
