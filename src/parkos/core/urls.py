from django.urls import path

from parkos.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("bare/", views.bare, name="bare"),
]
