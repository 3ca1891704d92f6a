"""A webhook receiver on loopback for the tests: a real HTTP server in a thread that records each request
and answers with the next status of a script (then 200). ``hold()`` makes it keep requests waiting."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections import deque
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


# The recipe of docs/notifications.md (Standard Webhooks), copied as a receiver would: the tests check
# deliveries with it.
def verify_signature(secret: str, body: bytes, headers: Message, tolerance: int = 300) -> bool:
    """True if ``webhook-signature`` signs ``webhook-id``, ``webhook-timestamp`` and ``body`` with ``secret``
    and the timestamp is recent (``tolerance`` s)."""
    msg_id, timestamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except ValueError:
        return False
    expected = base64.b64encode(hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest())
    return any(hmac.compare_digest(expected.decode(), signature.split(",", 1)[1])
               for signature in headers.get("webhook-signature", "").split() if signature.startswith("v1,"))


@dataclass
class Received:
    path: str
    headers: Message  # case-insensitive, as HTTP headers are
    body: bytes
    status: int


class Receiver:
    def __init__(self, statuses: list[int] | None = None):
        self.statuses = deque(statuses or [])
        self.requests: list[Received] = []
        self.arrived = threading.Condition()
        self._open = threading.Event()
        self._open.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.arrived:
                    status = receiver.statuses.popleft() if receiver.statuses else 200
                    receiver.requests.append(Received(self.path, self.headers, body, status))
                    receiver.arrived.notify_all()
                receiver._open.wait(timeout=300)
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"not now")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/jcm-hook"

    def hold(self) -> None:
        """Keep the next requests waiting (the sender is stuck in its request) until ``release()``."""
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def wait_for(self, count: int, timeout: float = 60) -> list[Received]:
        """Wait until ``count`` requests have arrived (fails after ``timeout`` seconds)."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.requests) >= count, timeout=timeout):
                raise AssertionError(f"expected {count} webhook request(s), got {len(self.requests)}")
        return list(self.requests)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()
