"""The e-mail backend of the integration tests' worker: each message becomes one ``.eml`` file that the test
reads. It stands in for the SMTP server; while the *gate* file exists it waits before handing a message over
(as a slow server would), so that a test can kill the worker in the middle of sending."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend

WAITING_PREFIX = "waiting-"


class GatedFileBackend(BaseEmailBackend):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.directory = Path(os.environ["JCM_TEST_EMAIL_DIR"])
        self.gate = Path(os.environ["JCM_TEST_MAIL_GATE"])

    def send_messages(self, email_messages) -> int:
        if self.gate.exists():
            (self.gate.parent / f"{WAITING_PREFIX}{os.getpid()}").touch()
            while self.gate.exists():
                time.sleep(0.05)
        for message in email_messages:
            path = self.directory / f"{uuid.uuid4().hex}.eml"
            path.with_suffix(".tmp").write_bytes(message.message().as_bytes())
            path.with_suffix(".tmp").rename(path)  # complete files only
        return len(email_messages)
