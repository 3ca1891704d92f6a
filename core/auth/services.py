"""The writes of second factors: a pending authenticator, its confirmation, recovery codes and removal. Each is
atomic and audited; the pages in core/auth/views.py only call these."""

from __future__ import annotations

import base64
import secrets
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.errors import ApplicationError

from . import audit as auth_audit
from .policy import requires_second_factor

RECOVERY_CODES = 10


def totp_device_pending(user: Any) -> TOTPDevice:
    """The user's authenticator being enrolled (made once, unconfirmed until a code from it is given)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


@transaction.atomic
def totp_device_confirm(user: Any, device: TOTPDevice) -> None:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    auth_audit.second_factor_changed(user=user, action="auth.second_factor_added", device=device)


@transaction.atomic
def recovery_codes_issue(user: Any) -> list[str]:
    """New recovery codes for the user (the old ones stop working); shown once."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name="recovery codes",
                                                          defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [base64.b32encode(secrets.token_bytes(5)).decode().lower() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    auth_audit.second_factor_changed(user=user, action="auth.recovery_codes_issued", device=device)
    return codes


@transaction.atomic
def second_factor_remove(user: Any, device: Any) -> None:
    """Remove an authenticator or passkey; a role that needs a second factor keeps at least one other."""
    others = [d for d in devices_for_user(user, confirmed=True)
              if not isinstance(d, StaticDevice) and d.persistent_id != device.persistent_id]
    if requires_second_factor(user) and not others:
        raise ApplicationError(_("Your role needs a second factor: add another before removing this one."))
    auth_audit.second_factor_changed(user=user, action="auth.second_factor_removed", device=device)
    device.delete()
