"""A TPE past the "until" date of its scope designation cannot be chosen for a project (committee rule used by
the projects services and the browser's choices)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from committee import services as committee_services
from core.errors import ApplicationError
from projects import selectors
from projects.services.common import _check_tpe


def test_a_tpe_past_its_scope_date_cannot_be_chosen_or_offered(draft, tpe, sysadmin, scope1):
    assert _check_tpe(tpe, draft, purpose="validation") == tpe
    assert tpe in selectors.tpe_choices(draft, "validation")
    committee_services.tpe_set_scope_until(actor=sysadmin, tpe=tpe, scope=scope1, purpose="validation",
                                           valid_until=timezone.localdate() - datetime.timedelta(days=1))
    with pytest.raises(ApplicationError) as info:
        _check_tpe(tpe, draft, purpose="validation")
    assert "validation_tpe" in info.value.errors
    assert tpe not in selectors.tpe_choices(draft, "validation")
    assert _check_tpe(tpe, draft, purpose="verification") == tpe
