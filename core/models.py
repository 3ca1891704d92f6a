"""The bottom of the registry: the append-only, hash-chained audit trail.

The table keeps the name it had when this model lived in ``jcm_registry`` (``jcm_registry_auditevent``):
its content type was renamed in place (core.0001), so the ids that the audit hash covers did not change.
"""

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class AuditEvent(models.Model):
    """One write, recorded in the same transaction as the write.

    ``seq`` is gap-free (assigned under an advisory lock) and each event carries the hash of
    the previous one, so that a changed, removed or reordered event breaks the chain
    (``manage.py verify_audit``). UPDATE and DELETE are refused by a database trigger.
    """

    seq = models.BigIntegerField(unique=True, editable=False)
    created_at = models.DateTimeField(editable=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", db_constraint=False)
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", db_constraint=False)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        db_table = "jcm_registry_auditevent"
        ordering = ["seq"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]
        constraints = [models.CheckConstraint(condition=models.Q(seq__gte=1), name="audit_seq_positive")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_repr}"


class ApiToken(models.Model):
    """An API token of one user: only the SHA-256 of its key is kept, the key is shown once.

    Every token has a scope (``read`` never writes) and an expiry (at most ``JCM_API_TOKEN_MAX_DAYS``);
    its owner lists and revokes it in the browser (/accounts/tokens/). See core/auth/tokens.py.
    """

    class Scope(models.TextChoices):
        READ = "read", "read"
        WRITE = "write", "write"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, help_text="The key's first characters, to tell tokens apart.")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the key, in hex.")
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user: Any, name: str, scope: str, days: int | None = None) -> tuple["ApiToken", str]:
        from .auth.tokens import issue

        return issue(user=user, name=name, scope=scope, days=days)

    def revoke(self, *, actor: Any) -> None:
        from .auth.tokens import revoke

        revoke(self, actor=actor)

    @property
    def is_active(self) -> bool:
        from django.utils import timezone

        return self.revoked_at is None and self.expires_at > timezone.now()
