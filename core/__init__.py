"""The bottom layer of the JCM Registry: what every app uses, importing no app of ours.

The audit trail (``audit``, ``models.AuditEvent``), domain events (``events``) and notices (``notices``),
workflow helpers (``workflow``), the one error type (``errors``), access primitives (``access``),
constraint helpers, the audited admin base, the API base (``api``), the form helper (``forms``), view
helpers (``views``), the registries that domain apps fill for the top apps (``registries``) and the
request-id middleware. See docs/architecture.md.
"""
