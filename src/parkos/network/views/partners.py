"""Pages: the network's partners."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
