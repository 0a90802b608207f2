"""Pages: the network's introductions."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
