"""Writing and verifying the audit trail.

Every service calls :func:`record` once, inside its transaction. Events form one chain:
``hash = sha256(canonical JSON of the event including prev_hash)``. Appends take a
transaction-level advisory lock so that ``seq`` has no gaps and the chain no forks.

An append is one round trip: the lock, then one ``INSERT ... SELECT`` that reads the last
event and computes the new hash in PostgreSQL from the canonical JSON that Python prepared
around the two values only the database knows (``seq`` and ``prev_hash``). A service on a hot
path can send those statements together with its own (:func:`prepare`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from .access import AnyUser, is_authenticated
from .middleware import current_request_id
from .models import AuditEvent

GENESIS = "0" * 64
_LOCK_KEY = 0x4A434D41  # "JCMA"
# The two statements of an append, sent in one round trip (simple query protocol). In READ COMMITTED each
# statement takes its own snapshot, so the INSERT ... SELECT, which starts once the lock is held, reads the
# newest committed event. The hash is sha256 over head || prev_hash || middle || seq || tail in UTF-8.
_LOCK = f"SELECT pg_advisory_xact_lock({_LOCK_KEY})"
_INSERT = """INSERT INTO jcm_registry_auditevent (seq, prev_hash, hash, created_at, actor_id, actor_name, action,
                                     target_type_id, target_id, target_repr, data, message, request_id)
SELECT n.seq, n.prev_hash,
       encode(sha256(convert_to(%s || n.prev_hash || %s || n.seq::text || %s, 'UTF8')), 'hex'),
       %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s
  FROM (SELECT 1::bigint AS seq, %s::varchar AS prev_hash
        UNION ALL
        (SELECT seq + 1, hash FROM jcm_registry_auditevent ORDER BY seq DESC LIMIT 1)
        ORDER BY seq DESC LIMIT 1) n
RETURNING id, seq, prev_hash, hash"""


# One encoder, made once: json.dumps(value, cls=...) would build a new one for every value.
_dumps = DjangoJSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def _canonical(value: Any) -> Any:
    return json.loads(_dumps(value))


def compute_hash(*, seq: int, prev_hash: str, created_at: datetime, actor_id: int | None, actor_name: str,
                 action: str, target_type_id: int | None, target_id: str, target_repr: str, data: Any,
                 message: str, request_id: str) -> str:
    """The hash of one event: the definition that :func:`verify_chain` checks."""
    payload = {"seq": seq, "prev_hash": prev_hash, **_event_fields(
        created_at=created_at, actor_id=actor_id, actor_name=actor_name, action=action,
        target_type_id=target_type_id, target_id=target_id, target_repr=target_repr, data=data, message=message,
        request_id=request_id)}
    return hashlib.sha256(_dumps(payload).encode("utf-8")).hexdigest()


def _event_fields(*, created_at: datetime, actor_id: int | None, actor_name: str, action: str,
                  target_type_id: int | None, target_id: str, target_repr: str, data: Any, message: str,
                  request_id: str) -> dict[str, Any]:
    """The hashed fields of an event other than its two chain values (seq, prev_hash)."""
    return {
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


def hash_parts(*, created_at: datetime, actor_id: int | None, actor_name: str, action: str,
               target_type_id: int | None, target_id: str, target_repr: str, data: Any, message: str,
               request_id: str) -> tuple[str, str, str]:
    """The canonical JSON of :func:`compute_hash` cut around its two chain values:
    ``head + prev_hash + middle + str(seq) + tail`` is exactly what it hashes."""
    payload = _event_fields(created_at=created_at, actor_id=actor_id, actor_name=actor_name, action=action,
                            target_type_id=target_type_id, target_id=target_id, target_repr=target_repr, data=data,
                            message=message, request_id=request_id)
    pieces = [""]
    for n, key in enumerate(sorted([*payload, "prev_hash", "seq"])):
        pieces[-1] += ("{" if n == 0 else ",") + _dumps(key) + ":"
        if key == "prev_hash":
            pieces[-1] += '"'
            pieces.append('"')  # a hex digest needs no escaping
        elif key == "seq":
            pieces.append("")
        else:
            pieces[-1] += _dumps(payload[key])
    head, middle, tail = pieces
    return head, middle, tail + "}"


def event_hash(event: AuditEvent) -> str:
    return compute_hash(
        seq=event.seq, prev_hash=event.prev_hash, created_at=event.created_at, actor_id=event.actor_id,
        actor_name=event.actor_name, action=event.action, target_type_id=event.target_type_id,
        target_id=event.target_id, target_repr=event.target_repr, data=event.data, message=event.message,
        request_id=event.request_id,
    )


@dataclass
class Append:
    """One prepared append. Its two :attr:`statements` (the lock, then the insert) run in this order,
    after the service's own writes; :meth:`done` takes the row the insert returned and completes ``event``."""

    event: AuditEvent
    params: list[Any]

    @property
    def statements(self) -> list[tuple[str, list[Any]]]:
        return [(_LOCK, []), (_INSERT, self.params)]

    def done(self, row: Sequence[Any]) -> AuditEvent:
        event = self.event
        event.id, event.seq, event.prev_hash, event.hash = row
        event._state.adding = False
        event._state.db = connection.alias
        return event

    def run(self, cursor: CursorWrapper) -> AuditEvent:
        """Send the two statements (one round trip) and complete the event."""
        cursor.execute(f"{_LOCK};\n{_INSERT}", self.params)
        cursor.nextset()
        return self.done(cursor.fetchone())


def prepare(*, actor: AnyUser, action: str, target: models.Model | None = None,
            data: dict[str, Any] | None = None, message: str = "") -> Append:
    """The append of one event, to run inside the service's transaction after its own writes (the
    advisory lock is the last lock a service takes). :func:`record` is ``prepare(...).run(cursor)``.

    ``actor`` is a user, the anonymous visitor (recorded as "anonymous") or ``None`` (the system)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must be called inside a transaction")
    actor_obj = actor if is_authenticated(actor) else None
    if actor_obj is not None and not isinstance(actor_obj, get_user_model()):
        raise TypeError(f"An audit event's actor is a {get_user_model().__name__}, not {type(actor_obj).__name__}.")
    event = AuditEvent(
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
    head, middle, tail = hash_parts(
        created_at=event.created_at, actor_id=event.actor_id, actor_name=event.actor_name, action=event.action,
        target_type_id=event.target_type_id, target_id=event.target_id, target_repr=event.target_repr,
        data=event.data, message=event.message, request_id=event.request_id)
    params = [head, middle, tail, event.created_at, event.actor_id, event.actor_name, event.action,
              event.target_type_id, event.target_id, event.target_repr, _dumps(event.data), event.message,
              event.request_id, GENESIS]
    return Append(event=event, params=params)


def record(*, actor: AnyUser, action: str, target: models.Model | None = None,
           data: dict[str, Any] | None = None, message: str = "") -> AuditEvent:
    """Append one event (one round trip). Must run inside the service's transaction."""
    append = prepare(actor=actor, action=action, target=target, data=data, message=message)
    with connection.cursor() as cursor:
        return append.run(cursor)


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


def history(obj: models.Model) -> models.QuerySet[AuditEvent]:
    """Audit events about one object, oldest first."""
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(obj), target_id=str(obj.pk)
    ).order_by("seq")


# --- The anchor: the chain's head, kept outside the database ------------------------------------------------
# A valid chain whose newest events were deleted (by someone able to switch the append-only trigger off) still
# verifies on its own. The beat task ``jcm_registry.tasks.anchor_audit_head`` appends the head (sequence
# number, hash, time) to a file outside the database (settings ``JCM_AUDIT_ANCHOR_PATH``; ship it to
# write-once storage or a log host in production); each line carries an HMAC (SECRET_KEY) so an edited
# line is detected. verify_audit compares the chain with the latest anchor.


def _anchor_mac(seq: int, hash_: str, at: str) -> str:
    from django.conf import settings

    message = f"jcm-audit-anchor|{seq}|{hash_}|{at}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def anchor_path() -> str:
    from django.conf import settings

    return str(getattr(settings, "JCM_AUDIT_ANCHOR_PATH", ""))


def write_anchor() -> dict[str, Any] | None:
    """Append the chain's head to the anchor file (fsynced); None when the trail is empty or no path is set."""
    path = anchor_path()
    head = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    if not path or head is None:
        return None
    at = timezone.now().astimezone(UTC).isoformat(timespec="seconds")
    anchor = {"seq": head["seq"], "hash": head["hash"], "at": at, "mac": _anchor_mac(head["seq"], head["hash"], at)}
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "a", encoding="utf-8") as file:
        file.write(json.dumps(anchor, sort_keys=True) + "\n")
        file.flush()
        os.fsync(file.fileno())
    return anchor


def latest_anchor() -> dict[str, Any] | None:
    """The last line of the anchor file, or None when there is none yet."""
    path = anchor_path()
    if not path or not os.path.exists(path):
        return None
    last = ""
    with open(path, encoding="utf-8") as file:
        for line in file:
            if line.strip():
                last = line
    return json.loads(last) if last else None


def verify_anchor(anchor: dict[str, Any] | None = None) -> list[ChainProblem]:
    """The chain against the latest anchor: the anchored event is still there with the anchored hash
    (so no tail was cut below it), and the anchor line is the registry's own."""
    anchor = anchor if anchor is not None else latest_anchor()
    if anchor is None:
        return []
    try:
        seq, hash_, at = int(anchor["seq"]), str(anchor["hash"]), str(anchor["at"])
        mac = str(anchor["mac"])
    except (KeyError, TypeError, ValueError):
        return [ChainProblem(0, "the latest anchor line is not readable")]
    if not hmac.compare_digest(mac, _anchor_mac(seq, hash_, at)):
        return [ChainProblem(seq, f"the anchor of {at} was altered (its MAC does not match)")]
    stored = AuditEvent.objects.filter(seq=seq).values_list("hash", flat=True).first()
    if stored is None:
        last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        return [ChainProblem(seq, f"the anchor of {at} recorded the chain's head at #{seq}, but the chain ends at "
                                  f"#{last}: events #{last + 1}..#{seq} were removed")]
    if stored != hash_:
        return [ChainProblem(seq, f"the event differs from the anchor of {at} (hash {stored[:12]}…, anchored "
                                  f"{hash_[:12]}…)")]
    return []
