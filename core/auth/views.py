"""Second-factor pages (verify, TOTP enrolment with a QR code, recovery codes, passkeys, removal), the API token
page, and the audited password change and reset."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.validators import MaxValueValidator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.views import CompleteCredentialAuthenticationView, CompleteCredentialRegistrationView

from core.errors import ApplicationError

from . import audit as auth_audit
from . import services, tokens
from .policy import has_device, is_fresh, mark_fresh, require_fresh_second_factor, requires_second_factor


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse("home")


class TokenForm(forms.Form):
    otp_token = forms.CharField(label=gettext_lazy("Code"), max_length=16, widget=forms.TextInput(attrs={
        "autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}))


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(request, "registration/second_factor.html", {
        "required": requires_second_factor(user),
        "totp_devices": TOTPDevice.objects.filter(user=user, confirmed=True),
        "passkeys": WebAuthnCredential.objects.filter(user=user, confirmed=True),
        "recovery_left": StaticToken.objects.filter(device__user=user).count(),
        "next": _next(request),
    })


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has_device(user):
        return redirect(f"{reverse('second-factor')}?next={_next(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["otp_token"].strip().replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            mark_fresh(request)
            auth_audit.record(actor=user, action="auth.second_factor_verified", target=user,
                              data={"device": type(device).__name__})
            return HttpResponseRedirect(_next(request))
        auth_audit.record(actor=user, action="auth.second_factor_failed", target=user,
                          data={"address": auth_audit.client_address(request)})
        form.add_error("otp_token", _("That code is not valid. Try the current code, or a recovery code."))
    return render(request, "registration/second_factor_verify.html", {
        "form": form, "next": _next(request),
        "has_passkey": WebAuthnCredential.objects.filter(user=user, confirmed=True).exists(),
    }, status=200)


@login_required
def totp_enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    if has_device(user) and not is_fresh(request):
        return redirect(f"{reverse('second-factor-verify')}?next={request.path}")
    device = services.totp_device_pending(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["otp_token"].strip().replace(" ", "")):
            services.totp_device_confirm(user, device)
            otp_login(request, device)
            mark_fresh(request)
            codes = services.recovery_codes_issue(user)
            return render(request, "registration/recovery_codes.html", {"codes": codes, "next": _next(request)})
        form.add_error("otp_token", _("That code is not valid. Check the time on your phone and try again."))
    secret = base64.b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m")
    return render(request, "registration/totp_enrol.html", {
        "form": form, "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
        "qr_svg": qr.svg_inline(scale=5, title=_("QR code of the authenticator key")), "next": _next(request),
    })


@login_required
@require_POST
@require_fresh_second_factor
def recovery_codes(request: HttpRequest) -> HttpResponse:
    codes = services.recovery_codes_issue(request.user)
    return render(request, "registration/recovery_codes.html", {"codes": codes, "next": reverse("second-factor")})


@login_required
@require_POST
@require_fresh_second_factor
def remove_device(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = {"totp": TOTPDevice, "passkey": WebAuthnCredential}.get(kind)
    if model is None:
        raise Http404
    device = get_object_or_404(model, pk=pk, user=request.user, confirmed=True)
    try:
        services.second_factor_remove(request.user, device)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("second-factor")
    messages.success(request, _("The second factor was removed."))
    return redirect("second-factor")


class PasskeyRegistrationComplete(CompleteCredentialRegistrationView):
    """The package's view, with the new passkey recorded in the audit trail."""

    def post(self, *args: Any, **kwargs: Any) -> Any:
        response = super().post(*args, **kwargs)
        if response.status_code == 200:
            credential = WebAuthnCredential.objects.filter(user=self.request.user).order_by("-pk").first()
            if credential is not None:
                auth_audit.second_factor_changed(user=self.request.user, action="auth.second_factor_added",
                                                 device=credential)
        return response


class PasskeyAuthenticationComplete(CompleteCredentialAuthenticationView):
    """The package's view; a passkey counts as a fresh second factor (step-up) and is audited."""

    def complete_auth(self, device: Any) -> Any:
        result = super().complete_auth(device)
        mark_fresh(self.request)
        auth_audit.record(actor=device.user, action="auth.second_factor_verified", target=device.user,
                          data={"device": type(device).__name__})
        return result


# --- API tokens ------------------------------------------------------------------------------------------

class NewTokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    scope = forms.ChoiceField(label=gettext_lazy("Scope"), choices=[
        ("read", gettext_lazy("Read: only reads")), ("write", gettext_lazy("Write: reads and writes"))])
    days = forms.IntegerField(label=gettext_lazy("Valid for (days)"), min_value=1, initial=30)

    def __init__(self, *args: Any, max_days: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        days = self.fields["days"]
        days.validators.append(MaxValueValidator(max_days))
        days.widget.attrs["max"] = str(max_days)


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    from django.conf import settings

    from ..models import ApiToken

    owner: Any = request.user  # logged in (login_required)
    form = NewTokenForm(request.POST or None, max_days=settings.JCM_API_TOKEN_MAX_DAYS)
    new_key = ""
    status = 200
    if request.method == "POST":
        if not is_fresh(request):
            return redirect(f"{reverse('second-factor-verify')}?next={request.path}")
        if form.is_valid():
            _token, new_key = tokens.issue(user=request.user, name=form.cleaned_data["name"],
                                           scope=form.cleaned_data["scope"], days=form.cleaned_data["days"])
            form = NewTokenForm(max_days=settings.JCM_API_TOKEN_MAX_DAYS)
        else:
            status = 400
    return render(request, "registration/tokens.html", {
        "form": form, "new_key": new_key, "tokens": ApiToken.objects.filter(user=owner),
    }, status=status)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    from ..models import ApiToken

    owner: Any = request.user  # logged in (login_required)
    token = get_object_or_404(ApiToken, pk=pk, user=owner)
    tokens.revoke(token, actor=request.user)
    messages.success(request, _("The token %(name)s was revoked.") % {"name": token.name})
    return redirect("api-tokens")


# --- Passwords --------------------------------------------------------------------------------------------

class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/account_form.html"
    success_url = reverse_lazy("password_change_done")
    extra_context = {"heading": gettext_lazy("Change your password"), "submit": gettext_lazy("Change password")}

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        auth_audit.record(actor=self.request.user, action="auth.password_changed", target=self.request.user)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/account_form.html"
    success_url = reverse_lazy("password_reset_complete")
    extra_context = {"heading": gettext_lazy("Choose a new password"), "submit": gettext_lazy("Set password")}

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        auth_audit.record(actor=form.user, action="auth.password_reset", target=form.user)
        return response
