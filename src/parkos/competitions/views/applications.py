"""Pages of the competition: applications (being built)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
