from django.urls import path

from parkos.ops import views

app_name = "ops"

urlpatterns = [
    path("health", views.health, name="health"),
    path("ready", views.ready, name="ready"),
    path("metrics", views.metrics, name="metrics"),
    path("ops/", views.status, name="status"),
]
