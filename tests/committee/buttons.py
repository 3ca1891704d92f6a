"""Helpers of the "a page never offers what the service would refuse" tests (committee and methodologies).

For one action button: whether a user's page shows it (a page the user may not see shows nothing), and
whether the service refuses the same user (the call runs in a savepoint that is rolled back, so that each
user meets the same objects; a refusal for the object's state does not count as a refusal of the user).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import Client

from core.errors import ApplicationError, NotAllowed


class _RolledBack(Exception):
    pass


def page_offers(user: Any, page_url: str, target_url: str) -> bool:
    """Whether the page at ``page_url``, seen by ``user``, links or posts to ``target_url``."""
    client = Client()
    if not isinstance(user, AnonymousUser):
        client.force_login(user)
    response = client.get(page_url)
    if response.status_code in (302, 403, 404):  # to the login page, or not for this user
        return False
    assert response.status_code == 200, (page_url, response.status_code)
    html = response.content.decode()
    return any(f'{attribute}="{target_url}{end}' in html for attribute in ("href", "action") for end in ('"', "?"))


def service_refuses(call: Callable[[], Any]) -> bool:
    """Whether the service refuses the actor (NotAllowed); nothing it writes is kept."""
    try:
        with transaction.atomic():
            call()
            raise _RolledBack
    except _RolledBack:
        return False
    except NotAllowed:
        return True
    except ApplicationError:  # refused for the object's state or the input, not for the actor
        return False
