"""Pages: the network's capital."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
