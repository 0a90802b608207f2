from django.urls import path

from parkos.scenes import views

app_name = "scenes"
urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("proposals/", views.proposals, name="proposals"),
    path("deals/", views.deals, name="deals"),
    path("disputes/", views.disputes, name="disputes"),
    path("<int:scene_id>/", views.detail, name="detail"),
    path("<int:scene_id>/edit/", views.edit, name="edit"),
    path("<int:scene_id>/respond/", views.respond, name="respond"),
    path("<int:scene_id>/files/", views.attachment_upload, name="attachment_upload"),
    path("<int:scene_id>/invite/", views.invite, name="invite"),
    path("<int:scene_id>/<slug:action>/", views.scene_action, name="scene_action"),
    path("files/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("responses/<int:response_id>/", views.response_detail, name="response"),
    path("responses/<int:response_id>/accept/", views.accept, name="accept"),
    path("responses/<int:response_id>/<slug:action>/", views.response_action, name="response_action"),
    path("deals/<int:deal_id>/", views.deal_detail, name="deal"),
    path("deals/<int:deal_id>/review/", views.review, name="review"),
    path("deals/<int:deal_id>/milestones/<int:milestone_id>/<slug:action>/", views.milestone_action,
         name="milestone_action"),
    path("deals/<int:deal_id>/<slug:action>/", views.deal_action, name="deal_action"),
]
