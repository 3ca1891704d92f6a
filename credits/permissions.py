"""Old names of the registry's access rules, kept for callers in other apps; the rules are in
:mod:`credits.access`."""

from .access import can_view_account as may_view_account
from .access import is_account_approver as may_approve
from .access import is_account_initiator as may_initiate
from .access import is_ministry_of, is_registry_admin

__all__ = ["is_ministry_of", "is_registry_admin", "may_approve", "may_initiate", "may_view_account"]
