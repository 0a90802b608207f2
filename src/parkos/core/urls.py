from django.urls import path

from parkos.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("bare/", views.bare, name="bare"),
    path("parks/", views.park_list, name="parks"),
    path("parks/switch/", views.park_switch, name="park_switch"),
    path("parks/<slug:code>/follow/", views.park_follow, name="park_follow"),
    path("parks/<slug:code>/logo", views.park_logo, name="park_logo"),
]
