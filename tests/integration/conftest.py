"""Integration fixtures: a real Redis and a real Celery worker process working on the test database.

``celery_worker`` (per test) gives a running worker (``celery -A tests.integration.worker_app worker
--pool=solo``) that consumes a queue private to this test run, on Redis at 127.0.0.1:6379 (database
``JCM_TEST_REDIS_DB``, default 14) or, if none answers there, on a private ``redis-server`` started for
the session. The worker uses the project's test settings with ``DATABASE_URL`` naming the same test
database as this process; while a test runs, this process sends its tasks to that worker instead of
running them eagerly. Tests using it need ``@pytest.mark.django_db(transaction=True)`` (the worker only
sees committed data) and ``@pytest.mark.integration``.

The worker can be killed (SIGKILL) and restarted; a message it had taken comes back after the Redis
visibility timeout (8 s here) and is processed again by the new worker.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.integration.mailbox import WAITING_PREFIX

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DEFAULT_REDIS = ("127.0.0.1", 6379)
VISIBILITY_TIMEOUT = 8


# --- Redis -------------------------------------------------------------------------------------------

def _redis_answers(host: str, port: int) -> bool:
    import redis

    try:
        return bool(redis.Redis(host=host, port=port, socket_timeout=2, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[tuple[str, int]]:
    """(host, port) of a Redis that answers: 127.0.0.1:6379, else a private redis-server for the session."""
    if _redis_answers(*DEFAULT_REDIS):
        yield DEFAULT_REDIS
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("The integration tests need Redis: nothing answers on 127.0.0.1:6379 and there is no "
                    "redis-server to start (apt-get install redis-server, or start one on 127.0.0.1:6379).")
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(workdir)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not _redis_answers("127.0.0.1", port):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The private redis-server on port {port} did not start.")
            time.sleep(0.1)
        yield ("127.0.0.1", port)
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- The worker ---------------------------------------------------------------------------------------

def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for ``settings_dict`` (a socket directory as host goes into the query string)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host, port = settings_dict.get("HOST") or "", str(settings_dict.get("PORT") or "")
    name = quote(settings_dict["NAME"], safe="")
    if host.startswith("/"):
        query = f"host={quote(host, safe='/')}" + (f"&port={port}" if port else "")
        return f"postgres://{auth}/{name}?{query}"
    return f"postgres://{auth}{host}{':' + port if port else ''}/{name}"


class Worker:
    """A Celery worker process for the integration tests (see the module docstring)."""

    def __init__(self, *, broker_url: str, queue: str, database_url: str, workdir: Path):
        self.broker_url = broker_url
        self.queue = queue
        self.database_url = database_url
        self.workdir = workdir
        self.mail_dir = workdir / "mail"
        self.media_dir = workdir / "media"
        self.gate = workdir / "mail-gate"
        self.log_path = workdir / "worker.log"
        for directory in (self.mail_dir, self.media_dir):
            directory.mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen | None = None
        self.started = 0

    # process control
    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "CELERY_"))}
        env.update({
            "DJANGO_SETTINGS_MODULE": "jcm_registry.settings.test",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "JCM_TEST_CELERY_QUEUE": self.queue,
            "JCM_TEST_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "JCM_TEST_EMAIL_DIR": str(self.mail_dir),
            "JCM_TEST_MAIL_GATE": str(self.gate),
            "JCM_MEDIA_ROOT": str(self.media_dir),
            "JCM_VAR_DIR": str(self.workdir / "var"),
            "PYTHONPATH": str(BASE_DIR),
            "PYTHONUNBUFFERED": "1",
        })
        return env

    def start(self) -> None:
        self.started += 1
        log = self.log_path.open("ab")
        log.write(f"\n===== worker start #{self.started} =====\n".encode())
        log.flush()
        self._ready_offset = self.log_path.stat().st_size
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tests.integration.worker_app", "worker", "--pool=solo",
             "--concurrency=1", "-Q", self.queue, "--hostname", f"{self.queue}-{self.started}@%h",
             "--without-gossip", "--without-mingle", "--loglevel=INFO"],
            cwd=BASE_DIR, env=self.environment(), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()
        self.wait_until(self._ready, "the Celery worker to be ready", timeout=90)

    def _ready(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            raise AssertionError(f"The Celery worker exited ({self.process and self.process.returncode}).\n"
                                 f"{self.log_tail()}")
        with self.log_path.open("rb") as log:
            log.seek(self._ready_offset)
            return b" ready." in log.read()

    def kill(self) -> None:
        """SIGKILL the worker, as a crash or the OOM killer would: no cleanup, no acknowledgement."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def restart(self) -> None:
        self.kill()
        self.start()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    # waiting for outcomes
    def wait_until(self, condition: Callable[[], object], what: str, timeout: float = 90) -> object:
        """Poll ``condition`` until it returns something true; fail, showing the worker log, after ``timeout``
        seconds."""
        deadline = time.monotonic() + timeout
        while True:
            result = condition()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}.\n"
                                     f"{self.log_tail()}")
            time.sleep(0.1)

    def wait_idle(self, timeout: float = 90) -> None:
        """Wait until the queue is empty and the worker runs, holds and schedules nothing."""
        import redis

        from jcm_registry.celery import app

        client = redis.Redis.from_url(self.broker_url)
        hostname = f"{self.queue}-{self.started}@{socket.gethostname()}"

        def idle() -> bool:
            if client.llen(self.queue):
                return False
            replies = app.control.inspect([hostname], timeout=1.0)
            for method in (replies.active, replies.reserved, replies.scheduled):
                answer = method()
                if answer is None or any(answer.values()):
                    return False
            return True

        self.wait_until(idle, "the worker to finish its tasks", timeout=timeout)

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return "(no worker log)"
        text = self.log_path.read_text(errors="replace").splitlines()
        return "--- worker log (last lines) ---\n" + "\n".join(text[-lines:])

    # the e-mail outbox
    def emails(self) -> list[EmailMessage]:
        return [message_from_bytes(path.read_bytes(), policy=policy.default)
                for path in sorted(self.mail_dir.glob("*.eml"))]

    def hold_emails(self) -> None:
        """From now on the worker waits before handing an e-mail over, until ``release_emails()``."""
        self.gate.touch()

    def release_emails(self) -> None:
        self.gate.unlink(missing_ok=True)

    def emails_waiting(self) -> list[Path]:
        return list(self.workdir.glob(f"{WAITING_PREFIX}*"))

    def clear(self) -> None:
        self.release_emails()
        for path in [*self.mail_dir.glob("*"), *self.emails_waiting()]:
            path.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, redis_server,
                          tmp_path_factory) -> Iterator[Worker]:
    """One worker process for the session, on the test database and a queue private to this run."""
    from django.db import connection

    with django_db_blocker.unblock():
        settings_dict = dict(connection.settings_dict)
    host, port = redis_server
    redis_db = int(os.environ.get("JCM_TEST_REDIS_DB", "14"))
    worker = Worker(broker_url=f"redis://{host}:{port}/{redis_db}", queue=f"jcm-test-{uuid.uuid4().hex[:12]}",
                    database_url=database_url(settings_dict),
                    workdir=tmp_path_factory.mktemp("celery-worker"))
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
        _delete_queue(worker)


def _delete_queue(worker: Worker) -> None:
    import redis

    redis.Redis.from_url(worker.broker_url).delete(worker.queue)


@pytest.fixture
def celery_worker(celery_worker_process: Worker, settings) -> Iterator[Worker]:
    """The running worker; during the test this process queues its tasks to it (not eagerly)."""
    from jcm_registry.celery import app

    worker = celery_worker_process
    if worker.process is None or worker.process.poll() is not None:
        worker.start()
    worker.clear()
    settings.MEDIA_ROOT = worker.media_dir
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "task_default_queue")}
    _use_broker(app, broker_url=worker.broker_url, task_always_eager=False, task_default_queue=worker.queue)
    try:
        yield worker
        worker.wait_idle()  # nothing may still write to the database when the test's data is flushed
    finally:
        worker.release_emails()
        _use_broker(app, **saved)


def _use_broker(app, **conf) -> None:
    app.conf.update(conf)
    app._pool = None  # connections are made again for the new broker
    app.amqp._producer_pool = None
