"""Pages: the network's hub (/network/), one page that leads to every part of it."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
