"""Pages: the network's landing."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
