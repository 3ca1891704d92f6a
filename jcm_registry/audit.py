"""Writing and verifying the audit trail.

Every service calls :func:`record` once, inside its transaction. Events form one chain:
``hash = sha256(canonical JSON of the event including prev_hash)``. Appends take a
transaction-level advisory lock so that ``seq`` has no gaps and the chain no forks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from .middleware import current_request_id
from .models import AuditEvent

GENESIS = "0" * 64
_LOCK_KEY = 0x4A434D41  # "JCMA"
_LOCK_AND_LAST = (f"SELECT pg_advisory_xact_lock({_LOCK_KEY}); "
                  "SELECT seq, hash FROM jcm_registry_auditevent ORDER BY seq DESC LIMIT 1")


def _canonical(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))


def compute_hash(*, seq: int, prev_hash: str, created_at: datetime, actor_id, actor_name: str, action: str,
                 target_type_id, target_id: str, target_repr: str, data, message: str, request_id: str) -> str:
    payload = {
        "seq": seq,
        "prev_hash": prev_hash,
        "created_at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_name": actor_name,
        "action": action,
        "target_type_id": target_type_id,
        "target_id": target_id,
        "target_repr": target_repr,
        "data": data,
        "message": message,
        "request_id": request_id,
    }
    raw = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def event_hash(event: AuditEvent) -> str:
    return compute_hash(
        seq=event.seq, prev_hash=event.prev_hash, created_at=event.created_at, actor_id=event.actor_id,
        actor_name=event.actor_name, action=event.action, target_type_id=event.target_type_id,
        target_id=event.target_id, target_repr=event.target_repr, data=event.data, message=event.message,
        request_id=event.request_id,
    )


def record(*, actor, action: str, target=None, data: dict | None = None, message: str = "") -> AuditEvent:
    """Append one audit event. Must run inside the service's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must be called inside a transaction")
    with connection.cursor() as cursor:
        # Two statements in one round trip (simple query protocol): the second takes its snapshot
        # after the first holds the lock, so it sees the newest committed event.
        cursor.execute(_LOCK_AND_LAST)
        cursor.nextset()
        last = cursor.fetchone()
    seq = (last[0] + 1) if last else 1
    prev_hash = last[1] if last else GENESIS
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    event = AuditEvent(
        seq=seq,
        prev_hash=prev_hash,
        created_at=timezone.now(),
        actor=actor_obj,
        actor_name=(actor_obj.get_username() if actor_obj else "system" if actor is None else "anonymous"),
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:300] if target is not None else "",
        data=_canonical(data or {}),
        message=message,
        request_id=current_request_id.get(),
    )
    event.hash = event_hash(event)
    event.save(force_insert=True)
    return event


@dataclass
class ChainProblem:
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"event #{self.seq}: {self.problem}"


def verify_chain(batch_size: int = 5000) -> tuple[int, list[ChainProblem]]:
    """Walk the whole chain in order; return (events checked, problems found)."""
    problems: list[ChainProblem] = []
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    fields = ("seq", "prev_hash", "created_at", "actor_id", "actor_name", "action", "target_type_id",
              "target_id", "target_repr", "data", "message", "request_id", "hash")
    last_seq = 0
    while True:
        rows = list(AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq").values_list(*fields)[:batch_size])
        if not rows:
            break
        for row in rows:
            values = dict(zip(fields, row, strict=True))
            count += 1
            seq = values["seq"]
            if seq != expected_seq:
                problems.append(ChainProblem(seq, f"expected sequence number {expected_seq}: events missing"))
            if values["prev_hash"] != expected_prev:
                problems.append(ChainProblem(seq, "does not link to the previous event (removed or reordered)"))
            stored = values.pop("hash")
            if compute_hash(**values) != stored:
                problems.append(ChainProblem(seq, "content does not match its hash (changed)"))
            expected_prev = stored
            expected_seq = seq + 1
            last_seq = seq
    return count, problems


def history(obj):
    """Audit events about one object, oldest first."""
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(obj), target_id=str(obj.pk)
    ).order_by("seq")
