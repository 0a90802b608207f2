from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path


@login_required
def hub(request: HttpRequest) -> HttpResponse:
    return render(request, "rewards/home.html", {"park": request.park})  # type: ignore[attr-defined]


urlpatterns: list[URLPattern] = [path("", hub, name="home")]
