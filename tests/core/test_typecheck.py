"""The type checker is strict enough to catch a wrong model passed to a service.

mypy runs in a subprocess with the project's configuration (pyproject.toml: the Django and DRF plugins,
``disallow_untyped_defs`` on services and views) over a small module of calls to a service. Each line that
must be refused carries ``# expect: <error code>``; every other line must pass. The cache lives under the
test's temporary directory, so the run is independent of a developer's cache (and takes a few seconds).
"""

import re
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]

CALLS = '''\
from django.http import HttpRequest

from committee.models import User
from committee.roles import acting_user
from projects.models import MonitoringPeriod, Project
from projects.services import issuance_request_submit


def right(actor: User, period: MonitoringPeriod) -> None:
    issuance_request_submit(actor=actor, period=period)


def wrong_model(actor: User, project: Project) -> None:
    issuance_request_submit(actor=actor, period=project)  # expect: arg-type


def page_without_a_login(request: HttpRequest, period: MonitoringPeriod) -> None:
    issuance_request_submit(actor=request.user, period=period)  # expect: arg-type


def page(request: HttpRequest, period: MonitoringPeriod) -> None:
    issuance_request_submit(actor=acting_user(request.user), period=period)
'''

ERROR = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): error: (?P<message>.*)  \[(?P<code>[a-z-]+)\]$")


def expected_errors(source: str) -> set[tuple[int, str]]:
    return {(number, match.group(1)) for number, line in enumerate(source.splitlines(), start=1)
            if (match := re.search(r"# expect: ([a-z-]+)$", line))}


def run_mypy(tmp_path: Path, source: str) -> tuple[set[tuple[int, str]], str]:
    module = tmp_path / "calls.py"
    module.write_text(source)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(BASE_DIR / "pyproject.toml"),
         "--cache-dir", str(tmp_path / "mypy_cache"), "--no-error-summary", "--show-error-codes", str(module)],
        cwd=BASE_DIR, capture_output=True, text=True, timeout=300,
    )
    output = result.stdout + result.stderr
    found = {(int(m.group("line")), m.group("code")) for m in map(ERROR.match, result.stdout.splitlines()) if m}
    return found, output


def test_a_wrong_model_passed_to_a_service_is_a_type_error_and_the_right_one_is_not(tmp_path):
    found, output = run_mypy(tmp_path, CALLS)
    assert found == expected_errors(CALLS), output
    assert 'incompatible type "Project"; expected "MonitoringPeriod"' in output
    assert 'incompatible type "User | AnonymousUser"; expected "User"' in output
