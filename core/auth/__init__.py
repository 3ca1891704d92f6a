"""Logins, second factors, sessions and API tokens (docs/security.md, "Logins, second factors, sessions and tokens").

- :mod:`.policy`: who must have a second factor (a setting names the rule, since core knows no roles), whether a
  session passed it, and how recently (step-up).
- :mod:`.middleware`: the second factor required of privileged users, idle and absolute session timeouts, the
  Permissions-Policy header.
- :mod:`.audit`: every login, failure, lockout, second-factor change and denied request in the audit trail.
- :mod:`.tokens`: hashed, scoped, expiring API tokens and their DRF authentication.
- :mod:`.views`: the second-factor pages (verify, TOTP with a QR code, recovery codes, passkeys) and the token page.
"""

from .policy import require_fresh_second_factor

__all__ = ["require_fresh_second_factor"]
