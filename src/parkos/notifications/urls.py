from django.urls import path

from parkos.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("preview/", views.preview, name="preview"),
    path("settings/", views.preference_settings, name="settings"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("<int:notification_id>/", views.notification_open, name="open"),
    path("<int:notification_id>/read/", views.mark_read, name="read"),
]
