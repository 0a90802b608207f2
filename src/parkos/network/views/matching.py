"""Pages: the network's matching."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
