"""Login, logout, password change and reset (Django's own views), and the two-factor pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from .security import idle, idle_lock, reset_limit
from .security import views as security_views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signed-out/", idle.signed_out, name="signed_out"),
    path("locked/", idle_lock.locked, name="locked"),
    path("session/", idle.session_status, name="session_status"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password_reset/", reset_limit.LimitedPasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("two-factor/", security_views.two_factor, name="two_factor"),
    path("two-factor/setup/", security_views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", security_views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/backup-codes/", security_views.two_factor_backup_codes, name="two_factor_backup_codes"),
    path("two-factor/backup-codes/new/", security_views.two_factor_regenerate, name="two_factor_regenerate"),
    path("two-factor/off/", security_views.two_factor_disable, name="two_factor_disable"),
]
