from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from parkos.accounts import views, views_me, views_security
from parkos.accounts.forms import QueuedPasswordResetForm

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.login_view, name="login"),
    path("login/sms/", views.login_sms, name="login_sms"),
    path("signup/mobile/", views.signup_sms, name="signup_sms"),
    path("sms/send/", views.sms_send, name="sms_send"),
    path("password/reset/sms/", views.password_reset_sms, name="password_reset_sms"),
    path("logout/", views.logout_view, name="logout"),
    path("login/verify/", views_security.login_verify, name="login_verify"),
    path("security/", views_security.security, name="security"),
    path("security/two-factor/", views_security.twofactor_setup, name="twofactor_setup"),
    path("security/two-factor/codes/", views_security.twofactor_codes, name="twofactor_codes"),
    path("security/two-factor/off/", views_security.twofactor_disable, name="twofactor_disable"),
    path("security/sessions/<int:record_id>/end/", views_security.session_end, name="session_end"),
    path("security/sessions/end-others/", views_security.sessions_end_others, name="sessions_end_others"),
    path("profile/", views.profile, name="profile"),
    path("me/", views_me.me, name="me"),
    path("export/", views.export, name="export"),
    path("delete/", views.delete, name="delete"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("members/", views.member_list, name="members"),
    path("members/<int:user_id>/", views.member_detail, name="member"),
    path("password/", auth_views.PasswordChangeView.as_view(
        template_name="accounts/password_change.html", success_url=reverse_lazy("accounts:password_change_done")),
        name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(
        template_name="accounts/password_change_done.html"), name="password_change_done"),
    path("password/reset/", auth_views.PasswordResetView.as_view(
        template_name="accounts/password_reset.html", form_class=QueuedPasswordResetForm,
        email_template_name="accounts/password_reset_email.txt",
        subject_template_name="accounts/password_reset_subject.txt",
        success_url=reverse_lazy("accounts:password_reset_done")), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name="accounts/password_reset_done.html"), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html",
        success_url=reverse_lazy("accounts:password_reset_complete")), name="password_reset_confirm"),
    path("password/reset/complete/", auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"), name="password_reset_complete"),
]
