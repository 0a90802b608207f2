from django.urls import path

from parkos.space import views

app_name = "space"
urlpatterns = [
    path("", views.map_view, name="home"),
    path("block/", views.block, name="block"),
    path("preferences/", views.preferences, name="preferences"),  # before <slug>: a map cannot be named so
    path("<slug:slug>/", views.map_view, name="map"),
    path("<slug:slug>/text/", views.text_view, name="text"),
    path("<slug:slug>/map.json", views.tiled_json, name="tiled"),
    path("<slug:slug>/ticket/", views.ticket, name="ticket"),
    path("<slug:slug>/area/<int:index>/", views.area_card, name="area"),
    path("<slug:slug>/rooms.json", views.rooms_booked, name="rooms"),
    path("<slug:slug>/report/", views.report, name="report"),
]
