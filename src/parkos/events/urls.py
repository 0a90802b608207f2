from django.urls import path

from parkos.events import views

app_name = "events"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("new/", views.create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("feed/<str:token>.ics", views.feed_ics, name="feed"),
    path("park/<slug:code>.ics", views.park_feed_ics, name="park_feed"),
    path("<int:event_id>/", views.detail, name="detail"),
    path("<int:event_id>/edit/", views.edit, name="edit"),
    path("<int:event_id>/cancel/", views.cancel, name="cancel"),
    path("<int:event_id>/cover/", views.cover, name="cover"),
    path("<int:event_id>/event.ics", views.event_ics, name="ics"),
    path("<int:event_id>/register/", views.register, name="register"),
    path("<int:event_id>/registration/<str:action>/", views.registration_action, name="registration_action"),
    path("<int:event_id>/registrants/", views.registrants, name="registrants"),
    path("<int:event_id>/registrants.<str:fmt>", views.export, name="export"),
    path("<int:event_id>/checkin/", views.checkin, name="checkin"),
    path("<int:event_id>/checkin/tickets/", views.checkin_tickets, name="checkin_tickets"),
    path("<int:event_id>/checkin/sync/", views.checkin_sync, name="checkin_sync"),
]
