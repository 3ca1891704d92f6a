"""Webhooks for ministries: signed JSON deliveries of the registry's events, with retries and a log.

Which events go to webhooks (docs/notifications.md lists them with their payloads):

- domain events (core.events) that concern a country — its registry's transactions, the
  issuances and decisions of its Joint Committee, its registered projects — go to every active
  endpoint of that country's government (Japan's endpoints get the events of every committee).
  Each domain app declares its events in its own ``webhooks.py`` (core.webhook_events): the name, a
  description, and how to load the event's data and the governments concerned;
- a notification to a ministry user (``notify``) goes, as ``notification.created``, to the active
  endpoints that this user owns, unless the user switched webhooks off for that kind.

An endpoint may narrow what it receives with ``event_kinds`` patterns (``credits.*``).

Each (event, endpoint) becomes one ``WebhookDelivery`` (unique per event key and endpoint), sent by the
``deliver_webhook`` Celery task: ``POST`` of a JSON body with the headers

    webhook-id: <uuid, the same for every attempt and replay>          (Standard Webhooks)
    webhook-timestamp: <unix time of this attempt>
    webhook-signature: v1,<base64 HMAC-SHA256 of f"{id}.{timestamp}." + body, keyed with the secret's bytes>
    X-JCM-Event: credits.retirement.completed
    X-JCM-Delivery: <the webhook-id>   X-JCM-Attempt: <n>

The endpoint's host is resolved and every address checked (public only: no loopback, private, link-local,
reserved or multicast address; port 443 or 8443, ``JCM_WEBHOOK_ALLOWED_PORTS``) when it is registered and
again at each attempt, and the connection is made to the address that was checked (the name goes in the
Host header and TLS SNI, and the certificate is verified against it). Only the test settings allow a
loopback receiver (``JCM_WEBHOOK_ALLOW_LOOPBACK``). The log keeps a status code or an error category,
never the reply or the raw error.

A 2xx answer delivers it; anything else is logged as an attempt and retried with exponential backoff;
after the last retry the delivery is marked failed, and its owner or an administrator may replay it.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import fnmatch
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from committee.models import Country, User
from core import audit, events
from core.errors import ApplicationError, Conflict
from core.registries import webhook_events
from core.webhook_events import absolute_url
from core.workflow import relock

from . import access
from .models import (
    DeliveryStatus,
    Notification,
    NotificationPreference,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

logger = logging.getLogger(__name__)

NOTIFICATION_EVENT = "notification.created"
SIGNATURE_HEADER = "webhook-signature"
USER_AGENT = "JCM-Registry-Webhooks/1.0"


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def max_retries() -> int:
    return int(_setting("JCM_WEBHOOK_MAX_RETRIES", 8))


MAX_BACKOFF = 45 * 60  # under Redis' visibility timeout (1 h): a waiting retry is not handed out twice


def backoff(retries: int) -> int:
    """Seconds before retry number ``retries + 1``: base, 2×base, 4×base, … at most 45 minutes."""
    return int(min(_setting("JCM_WEBHOOK_RETRY_BASE_SECONDS", 30) * 2 ** retries, MAX_BACKOFF))


# --- Signing ------------------------------------------------------------------------------------

def signing_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_<base64>`` secret (Standard Webhooks): the decoded bytes. A secret made
    before this scheme (not base64) signs with its text."""
    try:
        return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        return secret.encode()


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value (Standard Webhooks): ``v1,<base64 HMAC-SHA256>`` of
    ``{msg_id}.{timestamp}.{body}``."""
    digest = hmac.new(signing_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The JSON body of a delivery: the same bytes on every attempt and replay."""
    envelope = {
        "id": str(delivery.delivery_id),
        "event": delivery.event,
        "created_at": delivery.created_at,
        "country": delivery.endpoint.country.code,
        "data": delivery.payload,
    }
    return json.dumps(envelope, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


# --- Which events, for which countries ------------------------------------------------------------
# The domain apps register their events, with how to load each one's data and the governments concerned, in
# their own webhooks.py (core.registries.webhook_events); a ministry user's own notices are this app's event.

NOTIFICATION_DESCRIPTION = "A notification to the endpoint's owner."


def event_descriptions() -> dict[str, str]:
    """Every event an endpoint may receive, with its one-line description, by name."""
    descriptions = {name: spec.description for name, spec in webhook_events.items()}
    descriptions[NOTIFICATION_EVENT] = NOTIFICATION_DESCRIPTION
    return dict(sorted(descriptions.items()))


def known_events() -> list[str]:
    return list(event_descriptions())


def endpoint_wants(endpoint: WebhookEndpoint, event: str) -> bool:
    patterns = endpoint.event_kinds or []
    return not patterns or any(fnmatch.fnmatchcase(event, pattern) for pattern in patterns)


def event_key(event: str, payload: dict[str, Any]) -> str:
    return (event + ":" + ",".join(f"{k}={payload[k]}" for k in sorted(payload)))[:200]


def event_deliveries_create(*, event: str, payload: dict[str, Any]) -> list[int]:
    """One delivery of ``event`` per active endpoint of the governments concerned (idempotent: a re-run
    finds the deliveries made before). Sends them after commit; returns the ids of those queued."""
    spec = webhook_events.get(event)
    if spec is None:
        return []
    with transaction.atomic():
        facts = spec.resolve(payload)
        if facts is None or not facts.countries:
            return []
        key = event_key(event, payload)
        queued = []
        endpoints = WebhookEndpoint.objects.filter(is_active=True, country_id__in=facts.countries)
        for endpoint in endpoints.order_by("pk"):
            if not endpoint_wants(endpoint, event):
                continue
            delivery, created = WebhookDelivery.objects.get_or_create(
                endpoint=endpoint, event_key=key, defaults={"event": event, "payload": _jsonable(facts.data)})
            # Never tried: either just made, or made by a run that was interrupted before it queued it.
            if created or (delivery.status == DeliveryStatus.PENDING and delivery.attempt_count == 0):
                queued.append(delivery.pk)
        _send_after_commit(queued)
    return queued


def notification_deliveries_create(notifications: Iterable[Notification],
                                   preferences: dict[int, dict[str, NotificationPreference]]) -> list[int]:
    """Deliver new notices of ministry users to the active endpoints they own (in notify's transaction)."""
    from .services import WEBHOOK, wants

    by_recipient: dict[int, list] = {}
    for notification in notifications:
        by_recipient.setdefault(notification.recipient_id, []).append(notification)
    endpoints = list(WebhookEndpoint.objects.filter(is_active=True, owner_id__in=list(by_recipient))
                     .select_related("owner"))
    queued = []
    for endpoint in endpoints:
        if not endpoint_wants(endpoint, NOTIFICATION_EVENT):
            continue
        for notification in by_recipient[endpoint.owner_id]:
            if not wants(preferences.get(endpoint.owner_id, {}), notification.kind, WEBHOOK):
                continue
            data = {"notification": {"id": notification.pk, "kind": notification.kind,
                                     "key": notification.key, "subject": notification.subject,
                                     "body": notification.body, "url": absolute_url(notification.url),
                                     "created_at": notification.created_at},
                    "recipient": endpoint.owner.get_username()}
            delivery, created = WebhookDelivery.objects.get_or_create(
                endpoint=endpoint, event_key=f"{NOTIFICATION_EVENT}:{notification.pk}",
                defaults={"event": NOTIFICATION_EVENT, "payload": _jsonable(data)})
            if created:
                queued.append(delivery.pk)
    _send_after_commit(queued)
    return queued


def _jsonable(data: dict) -> dict:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _send_after_commit(delivery_ids: list[int], *, replay: bool = False) -> None:
    if not delivery_ids:
        return
    from .tasks import deliver_webhook

    ids = list(delivery_ids)
    transaction.on_commit(lambda: [deliver_webhook.delay(pk, replay=replay) for pk in ids], robust=True)


def _on_domain_event(event: str, payload: dict[str, Any]) -> None:
    """After the action commits: hand the event to a Celery task that makes the deliveries."""
    from .tasks import webhook_fan_out

    try:
        webhook_fan_out.delay(event, payload)
    except Exception:  # the action has committed: log, never fail it (the event can be fanned out again)
        logger.exception("webhooks: could not fan out %s %r", event, payload)


# Subscribed when this module is first imported (reading the registry imports the domain apps' webhooks.py).
events.subscriber(*webhook_events)(_on_domain_event)


# --- Sending ------------------------------------------------------------------------------------

SENT, RETRY, FAILED, SKIPPED = "delivered", "retry", "failed", "skipped"


@dataclass
class Response:
    status_code: int | None = None
    error: str = ""  # a category (ERROR_*), never the raw error: it is shown to the endpoint's owner
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


ERROR_ADDRESS = "address not allowed"
ERROR_DNS = "name not found"
ERROR_TIMEOUT = "timed out"
ERROR_TLS = "TLS failed"
ERROR_CONNECTION = "connection failed"
ERROR_PROTOCOL = "invalid HTTP answer"


class AddressRefused(Exception):
    pass


def _getaddrinfo(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (patched by the tests: no network there)."""
    return list(dict.fromkeys(str(info[4][0]) for info in
                              socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)))


def _allow_loopback() -> bool:
    return bool(_setting("JCM_WEBHOOK_ALLOW_LOOPBACK", False))


def _refusal(address: str) -> str | None:
    """Why ``address`` may not be contacted, or None when it is public (or loopback where allowed)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return None if _allow_loopback() else "loopback"
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved or ip.is_link_local or ip.is_private \
            or not ip.is_global:
        return "not public"
    return None


def allowed_ports() -> set[int]:
    return {int(p) for p in _setting("JCM_WEBHOOK_ALLOWED_PORTS", [443, 8443])}


def resolve_public(host: str, port: int) -> str:
    """The address to connect to for ``host``: every address the name resolves to must be public (a name
    that also resolves to an inner address is refused whole). Raises AddressRefused or OSError (DNS)."""
    try:
        addresses = [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        addresses = _getaddrinfo(host, port)
    if not addresses:
        raise OSError("no address")
    reasons = [reason for reason in map(_refusal, addresses) if reason]
    if reasons:
        raise AddressRefused(reasons[0])
    loopback = all(ipaddress.ip_address(a.split("%", 1)[0]).is_loopback for a in addresses)
    if port not in allowed_ports() and not loopback:
        raise AddressRefused("port")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to a checked address (loopback receivers in the tests only); Host names the endpoint."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address; SNI and certificate verification use the endpoint's host name."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> Response:
    """POST ``body`` to ``url`` at the address checked now; never raises for network or HTTP errors (they
    are the response, as a category). No proxy, no redirect (a 3xx is an answer); the reply is not kept."""
    started = time.monotonic()
    result = Response()
    parts = urlsplit(url)
    try:
        host, scheme = parts.hostname or "", parts.scheme
        port = parts.port or (443 if scheme == "https" else 80)
        if scheme not in ("http", "https"):
            raise AddressRefused("scheme")
        address = resolve_public(host, port)
        if scheme == "http" and not ipaddress.ip_address(address.split("%", 1)[0]).is_loopback:
            raise AddressRefused("plain http")
        pinned = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        connection = pinned(host, address, port, timeout)
        try:
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            connection.request("POST", path, body=body, headers=headers)
            answer = connection.getresponse()
            result.status_code = answer.status
            answer.read(1024)  # drained, not kept
        finally:
            connection.close()
    except AddressRefused as exc:
        result.error = ERROR_ADDRESS
        logger.warning("webhooks: %s refused (%s)", parts.hostname, exc)
    except (socket.gaierror, UnicodeError) as exc:
        result.error = ERROR_DNS
        logger.info("webhooks: %s: %s", parts.hostname, exc)
    except TimeoutError as exc:
        result.error = ERROR_TIMEOUT
        logger.info("webhooks: %s: %s", parts.hostname, exc)
    except ssl.SSLError as exc:
        result.error = ERROR_TLS
        logger.info("webhooks: %s: %s", parts.hostname, exc)
    except http.client.HTTPException as exc:
        result.error = ERROR_PROTOCOL
        logger.info("webhooks: %s: %s", parts.hostname, exc)
    except (OSError, ValueError) as exc:
        result.error = ERROR_CONNECTION
        logger.info("webhooks: %s: %s", parts.hostname, exc)
    result.duration_ms = int((time.monotonic() - started) * 1000)
    return result


def delivery_send(*, delivery_id: int, final: bool = False, replay: bool = False) -> str:
    """Make one attempt at a delivery and log it. Returns ``delivered``, ``retry`` (try again later),
    ``failed`` (that was the last try) or ``skipped`` (already delivered, gone or endpoint inactive).

    The delivery is locked while it is sent, so two copies of the task never send it at the same time,
    and a copy that comes second finds it delivered."""
    with transaction.atomic():
        delivery = (WebhookDelivery.objects.select_for_update(of=("self",))
                    .select_related("endpoint__country").filter(pk=delivery_id).first())
        if delivery is None or not delivery.endpoint.is_active:
            return SKIPPED
        if delivery.status == DeliveryStatus.DELIVERED:
            return SKIPPED
        if delivery.status == DeliveryStatus.FAILED and not replay:
            return SKIPPED
        body = delivery_body(delivery)
        timestamp = int(time.time())
        number = delivery.attempt_count + 1
        started_at = timezone.now()
        msg_id = str(delivery.delivery_id)
        answer = post(delivery.endpoint.url, body, {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            SIGNATURE_HEADER: signature(delivery.endpoint.secret, msg_id, timestamp, body),
            "X-JCM-Event": delivery.event,
            "X-JCM-Delivery": msg_id,
            "X-JCM-Attempt": str(number),
        }, timeout=float(_setting("JCM_WEBHOOK_TIMEOUT_SECONDS", 10)))
        WebhookAttempt.objects.create(delivery=delivery, number=number, started_at=started_at,
                                      duration_ms=answer.duration_ms, status_code=answer.status_code,
                                      error=answer.error, response_excerpt="", replay=replay)
        delivery.attempt_count = number
        delivery.last_attempt_at = started_at
        if answer.ok:
            delivery.status, delivery.delivered_at, outcome = DeliveryStatus.DELIVERED, timezone.now(), SENT
        elif final:
            delivery.status, outcome = DeliveryStatus.FAILED, FAILED
        else:
            delivery.status, outcome = DeliveryStatus.PENDING, RETRY
        delivery.save(update_fields=["attempt_count", "last_attempt_at", "status", "delivered_at"])
    return outcome


def stalled_deliveries(*, older_than_seconds: int = 2 * MAX_BACKOFF) -> list[int]:
    """Pending deliveries not tried for longer than the longest backoff: their task was lost."""
    cutoff = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    qs = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, endpoint__is_active=True)
    never = qs.filter(attempt_count=0, created_at__lte=cutoff)
    stale = qs.filter(attempt_count__gt=0, last_attempt_at__lte=cutoff)
    return sorted(set(never.values_list("pk", flat=True)) | set(stale.values_list("pk", flat=True)))


# --- Endpoints and replays (services) -------------------------------------------------------------

def check_url(url: str) -> str:
    """HTTPS to a public address on an allowed port (443, 8443: ``JCM_WEBHOOK_ALLOWED_PORTS``); the host is
    resolved now and again at each attempt. Loopback (over plain HTTP too) only where
    ``JCM_WEBHOOK_ALLOW_LOOPBACK`` is set: the test settings, never the demo or production."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number (or out of range) raises ValueError
    except ValueError:  # e.g. "https://[bad": an unterminated IPv6 address
        raise ApplicationError("Enter the endpoint's full https:// URL.", field="url") from None
    if not parts.hostname or parts.scheme not in ("http", "https") or parts.username or parts.password:
        raise ApplicationError("Enter the endpoint's full https:// URL.", field="url")
    if len(url) > 500:
        raise ApplicationError("The URL is too long (500 characters at most).", field="url")
    if parts.scheme == "http" and not (_allow_loopback() and _is_loopback_name(parts.hostname)):
        raise ApplicationError("Webhook endpoints must use https://.", field="url")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = resolve_public(parts.hostname, port)
    except AddressRefused as exc:
        if str(exc) == "port":
            ports = ", ".join(str(p) for p in sorted(allowed_ports()))
            raise ApplicationError(f"Webhook endpoints use port {ports}.", field="url") from None
        raise ApplicationError("Webhook endpoints must be on a public internet address (not loopback, private, "
                               "link-local, reserved or multicast).", field="url") from None
    except (OSError, UnicodeError):
        raise ApplicationError("The endpoint's host could not be found.", field="url") from None
    if parts.scheme == "http" and not ipaddress.ip_address(address.split("%", 1)[0]).is_loopback:
        raise ApplicationError("Webhook endpoints must use https://.", field="url")
    return url


def _is_loopback_name(host: str) -> bool:
    """http:// is for a loopback receiver (tests): an address or a name that resolves to loopback."""
    try:
        return all(ipaddress.ip_address(a.split("%", 1)[0]).is_loopback
                   for a in [resolve_public(host, 80)])
    except (AddressRefused, OSError, ValueError, UnicodeError):
        return False


def check_event_kinds(patterns: Iterable[str] | str | None) -> list[str]:
    if patterns in (None, ""):
        return []
    if isinstance(patterns, str):
        patterns = [p for p in patterns.replace(",", " ").split() if p]
    cleaned = []
    for pattern in patterns:
        pattern = str(pattern).strip()
        if not any(fnmatch.fnmatchcase(event, pattern) for event in known_events()):
            raise ApplicationError(f"“{pattern}” matches no event. Events: {', '.join(known_events())}.",
                                   field="event_kinds")
        if pattern not in cleaned:
            cleaned.append(pattern)
    return cleaned


def _check_owner(owner: User | None, country: Country) -> None:
    if owner is not None and not access.can_own_endpoint(owner, country):
        raise ApplicationError(f"{owner} is not a ministry API user of {country}.", field="owner")


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _endpoint_data(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {"country": endpoint.country.code, "url": endpoint.url, "event_kinds": endpoint.event_kinds,
            "is_active": endpoint.is_active, "owner": endpoint.owner_id, "description": endpoint.description}


@transaction.atomic
def webhook_endpoint_create(*, actor: User, country: Country, url: str, event_kinds: Iterable[str] | str | None = None,
                            description: str = "", owner: User | None = None) -> WebhookEndpoint:
    """Register an endpoint for ``country``. A ministry user owns the endpoints it registers; an
    administrator may name a ministry user of that country as owner. The secret is generated here."""
    access.require_manage_webhooks(actor, country)
    if owner is None and access.can_own_endpoint(actor, country):
        owner = actor
    _check_owner(owner, country)
    endpoint = WebhookEndpoint.objects.create(
        country=country, owner=owner, url=check_url(url), event_kinds=check_event_kinds(event_kinds),
        description=(description or "").strip()[:200], secret=new_secret(), created_by=actor)
    audit.record(actor=actor, action="webhooks.endpoint.create", target=endpoint,
                 data=_endpoint_data(endpoint))
    return endpoint


_UNSET = object()


@transaction.atomic
def webhook_endpoint_update(*, actor: User, endpoint: WebhookEndpoint, url: Any = _UNSET, event_kinds: Any = _UNSET,
                            description: Any = _UNSET, is_active: Any = _UNSET) -> WebhookEndpoint:
    """Change what was given of an endpoint's URL, events, description and activity (audited when changed)."""
    endpoint = relock(endpoint)
    access.require_manage_endpoint(actor, endpoint)
    before = _endpoint_data(endpoint)
    if url is not _UNSET:
        endpoint.url = check_url(url)
    if event_kinds is not _UNSET:
        endpoint.event_kinds = check_event_kinds(event_kinds)
    if description is not _UNSET:
        endpoint.description = (description or "").strip()[:200]
    if is_active is not _UNSET:
        endpoint.is_active = bool(is_active)
    after = _endpoint_data(endpoint)
    if after == before:
        return endpoint
    endpoint.save(update_fields=["url", "event_kinds", "description", "is_active", "updated_at"])
    audit.record(actor=actor, action="webhooks.endpoint.update", target=endpoint,
                 data={"before": before, "after": after})
    return endpoint


@transaction.atomic
def webhook_endpoint_rotate_secret(*, actor: User, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new signing secret (the old one stops working at once); the secret itself is not audited."""
    endpoint = relock(endpoint)
    access.require_manage_endpoint(actor, endpoint)
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    audit.record(actor=actor, action="webhooks.endpoint.rotate_secret", target=endpoint)
    return endpoint


@transaction.atomic
def webhook_delivery_replay(*, actor: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again (same body and delivery id, new signature), whatever happened before."""
    delivery = relock(delivery)
    delivery.endpoint = endpoint = WebhookEndpoint.objects.select_related("country").get(pk=delivery.endpoint_id)
    access.require_replay_delivery(actor, delivery)
    if not endpoint.is_active:
        raise Conflict("The endpoint is inactive: activate it before replaying its deliveries.")
    previous = delivery.status
    delivery.status = DeliveryStatus.PENDING
    delivery.save(update_fields=["status"])
    audit.record(actor=actor, action="webhooks.delivery.replay", target=delivery,
                 data={"event": delivery.event, "endpoint": endpoint.pk, "previous_status": previous,
                       "attempts": delivery.attempt_count})
    _send_after_commit([delivery.pk], replay=True)
    return delivery
