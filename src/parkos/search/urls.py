from django.urls import path

from parkos.search import views

app_name = "search"
urlpatterns = [
    path("", views.results, name="results"),
    path("suggest/", views.suggest, name="suggest"),
]
