"""Helpers for tests: a session that passed a second factor, without typing a code.

``verify_session`` gives the user a confirmed TOTP device when they have none and marks the client's session as
verified with it, just now. tests/conftest.py makes ``Client.force_login`` do this, so a logged-in test sees
what a user who passed the second factor sees; tests of the second factor itself log in with a password.
"""

from __future__ import annotations

import time
from typing import Any

from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import quiet_logins
from .policy import FRESH_KEY


def verify_session(client: Any, user: Any) -> None:
    device = next((d for d in devices_for_user(user, confirmed=True) if not isinstance(d, StaticDevice)), None)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test device", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[FRESH_KEY] = time.time()
    session.save()


ORIGINAL_FORCE_LOGIN: Any = None  # Django's Client.force_login, kept by tests/conftest.py


def force_login_unverified(client: Any, user: Any) -> None:
    """Log in without a password and without a second factor (and without a login event)."""
    token = quiet_logins.set(True)
    try:
        (ORIGINAL_FORCE_LOGIN or type(client).force_login)(client, user)
    finally:
        quiet_logins.reset(token)


def login_verified(client: Any, user: Any) -> None:
    client.force_login(user)
    verify_session(client, user)


def age_second_factor(client: Any, *, minutes: int) -> None:
    session = client.session
    session[FRESH_KEY] = time.time() - minutes * 60
    session.save()


def give_recovery_codes(user: Any, count: int = 3) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="recovery codes", defaults={"confirmed": True})
    codes = [f"code{index:04d}" for index in range(count)]
    for code in codes:
        StaticToken.objects.create(device=device, token=code)
    return codes
