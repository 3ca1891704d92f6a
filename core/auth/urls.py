"""/accounts/: login, logout, second factor, passkeys, API tokens, password change and reset."""

from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy
from django.utils.translation import gettext_lazy as _

from . import views

message = "registration/account_message.html"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("second-factor/", views.overview, name="second-factor"),
    path("second-factor/verify/", views.verify, name="second-factor-verify"),
    path("second-factor/totp/", views.totp_enrol, name="second-factor-totp"),
    path("second-factor/recovery-codes/", views.recovery_codes, name="second-factor-recovery-codes"),
    path("second-factor/<slug:kind>/<int:pk>/remove/", views.remove_device, name="second-factor-remove"),
    path("webauthn/registration/complete/", views.PasskeyRegistrationComplete.as_view(),
         name="passkey-registration-complete"),
    path("webauthn/authentication/complete/", views.PasskeyAuthenticationComplete.as_view(),
         name="passkey-authentication-complete"),
    path("webauthn/", include("django_otp_webauthn.urls", namespace="otp_webauthn")),
    path("tokens/", views.token_list, name="api-tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="api-token-revoke"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(
        template_name=message, extra_context={"heading": _("Password changed"),
                                              "message": _("Your password was changed.")}),
         name="password_change_done"),
    path("password/reset/", auth_views.PasswordResetView.as_view(
        template_name="registration/account_form.html", success_url=reverse_lazy("password_reset_done"),
        extra_context={"heading": _("Reset your password"), "submit": _("Send the link"),
                       "intro": _("Give the e-mail address of your account: a link to choose a new password "
                                  "is sent to it, valid for one hour.")}),
         name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name=message, extra_context={"heading": _("Check your e-mail"),
                                              "message": _("If an account has that address, a link to choose a "
                                                           "new password was sent to it.")}),
         name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(
        template_name=message, extra_context={"heading": _("Password set"),
                                              "message": _("Your new password is set: you can log in.")}),
         name="password_reset_complete"),
]
