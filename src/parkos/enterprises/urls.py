from django.urls import path

from parkos.enterprises import views

app_name = "enterprises"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("new/", views.create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("butler/", views.portfolio, name="portfolio"),
    path("join/", views.join_code, name="join_code"),
    path("join/<str:token>/", views.join, name="join"),
    path("<int:enterprise_id>/", views.detail, name="detail"),
    path("<int:enterprise_id>/edit/", views.edit, name="edit"),
    path("<int:enterprise_id>/staff/", views.staff, name="staff"),
    path("<int:enterprise_id>/staff/<int:user_id>/<str:action>/", views.staff_action, name="staff_action"),
    path("<int:enterprise_id>/invitations/<int:invitation_id>/", views.invitation_qr, name="invitation_qr"),
    path("<int:enterprise_id>/invitations/<int:invitation_id>/qr.svg", views.invitation_qr_download,
         name="invitation_qr_download"),
    path("<int:enterprise_id>/invitations/<int:invitation_id>/revoke/", views.invitation_revoke,
         name="invitation_revoke"),
    path("<int:enterprise_id>/butler/", views.butler_assign, name="butler_assign"),
]
