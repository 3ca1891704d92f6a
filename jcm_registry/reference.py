"""The reference data of the registry: public facts of the Japan–Mongolia register with their sources
(committee.reference_mn, methodologies.reference_mn). ``manage.py load_reference_data`` loads it alone;
``manage.py seed_demo`` loads it before the demo. Idempotent, in one transaction."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from committee import reference_mn as committee_reference
from committee.models import User
from methodologies import reference_mn as methodologies_reference


def load(actor: User, log: Callable[[str], None] = lambda _m: None) -> None:
    """Load the reference data as ``actor`` (a system administrator). Mongolia and its Joint Committee must
    exist (``seed_demo`` creates them; see committee.demo)."""
    with transaction.atomic():
        committee_reference.load(actor, log)
        methodologies_reference.load(actor, log)
