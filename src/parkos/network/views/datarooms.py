"""Pages: the network's datarooms."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
