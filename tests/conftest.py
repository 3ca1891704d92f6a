"""Shared fixtures. Every test runs against PostgreSQL (DATABASE_URL, else the embedded server)."""

import pytest
from rest_framework.test import APIClient

from committee.choices import OrganizationKind, Role, Side
from tests import factories as f


@pytest.fixture(scope="session", autouse=True)
def flush_past_truncate_guards():
    """Transactional tests end with a flush: one TRUNCATE of every table, which PostgreSQL refuses for the
    audit trail, the credit blocks and the ledger (BEFORE TRUNCATE triggers). The test database's user is a
    superuser: in the tests, the flush's own transaction runs with ``session_replication_role = replica``,
    which fires no trigger. The application's TRUNCATE and ``manage.py flush`` stay refused."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        if sql_list:
            sql_list = ["SET LOCAL session_replication_role = replica", *sql_list]
        return original(self, sql_list)

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original


@pytest.fixture(scope="session", autouse=True)
def force_login_passes_the_second_factor():
    """``Client.force_login`` logs in as a user who also passed a second factor just now (core/auth/testing.py),
    so that the second factor required of privileged users does not stand in front of every test. The tests of
    the second factor log in with a password, or with ``core.auth.testing.force_login_unverified``."""
    from django.test.client import ClientMixin

    from core.auth import testing
    from core.auth.audit import quiet_logins

    original = ClientMixin.force_login

    def force_login(self, user, backend=None):
        token = quiet_logins.set(True)
        try:
            original(self, user, backend)
        finally:
            quiet_logins.reset(token)
        testing.verify_session(self, user)

    ClientMixin.force_login = force_login
    testing.ORIGINAL_FORCE_LOGIN = original
    yield
    ClientMixin.force_login = original


@pytest.fixture(scope="session", autouse=True)
def no_dns():
    """No name service in the tests: webhook hosts under example domains resolve to one public address
    (93.184.215.14), every other name is not found. Loopback receivers use 127.0.0.1 (no lookup).
    Session-wide, so that module fixtures (tests/test_api_robustness.py's world) have it too."""
    from notifications import webhooks

    def resolve(host, port):
        if host.rstrip(".").split(".")[-1] in ("example", "test") or ".example." in f".{host}.":
            return ["93.184.215.14"]
        raise OSError(f"{host}: no name service in the tests")

    original = webhooks._getaddrinfo
    webhooks._getaddrinfo = resolve
    yield
    webhooks._getaddrinfo = original


@pytest.fixture(autouse=True)
def reference_data(request):
    """Japan and the sectoral scopes come from a data migration; transactional tests flush them, so
    put them back for any test that uses the database and finds them missing."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        names & {"transactional_db", "live_server"})
    if not (marker or transactional or "db" in names):
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    from committee.models import Country, SectoralScope
    from committee.reference import ensure_reference_data

    if SectoralScope.objects.count() < 15 or not Country.objects.filter(is_japan=True).exists():
        ensure_reference_data(Country, SectoralScope)


@pytest.fixture
def japan(db):
    return f.japan()


@pytest.fixture
def mongolia(db):
    return f.CountryFactory(code="MN", name="Mongolia", name_ja="モンゴル", name_local="Монгол Улс")


@pytest.fixture
def cambodia(db):
    return f.CountryFactory(code="KH", name="Cambodia", name_ja="カンボジア")


@pytest.fixture
def jc(mongolia):
    """The Japan–Mongolia Joint Committee."""
    return f.JointCommitteeFactory(partner=mongolia)


@pytest.fixture
def other_jc(cambodia):
    """The Japan–Cambodia Joint Committee (another committee, for scoping tests)."""
    return f.JointCommitteeFactory(partner=cambodia)


@pytest.fixture
def moe(japan):
    return f.OrganizationFactory(name="Ministry of the Environment", short_name="MOE",
                                 kind=OrganizationKind.MINISTRY, country=japan)


@pytest.fixture
def mn_ministry(mongolia):
    return f.OrganizationFactory(name="Ministry of Environment and Green Development", short_name="MEGD",
                                 kind=OrganizationKind.MINISTRY, country=mongolia)


@pytest.fixture
def sysadmin(db):
    user = f.UserFactory(username="sysadmin", is_superuser=True, is_staff=True)
    return user


@pytest.fixture
def secretariat(jc):
    """Secretariat of Japan's side of the Japan–Mongolia Joint Committee."""
    return f.make_user("sec_mn", Role.SECRETARIAT, joint_committee=jc, side=Side.JAPAN)


@pytest.fixture
def other_secretariat(other_jc):
    """Secretariat of the Japan–Cambodia Joint Committee."""
    return f.make_user("sec_kh", Role.SECRETARIAT, joint_committee=other_jc, side=Side.JAPAN)


@pytest.fixture
def member(jc):
    return f.make_user("member_mn", Role.COMMITTEE_MEMBER, joint_committee=jc, side=Side.PARTNER)


@pytest.fixture
def ministry(jc, mongolia):
    """Mongolia's ministry API client."""
    return f.make_user("ministry_mn", Role.MINISTRY_API, country=mongolia)


@pytest.fixture
def other_ministry(other_jc, cambodia):
    return f.make_user("ministry_kh", Role.MINISTRY_API, country=cambodia)


@pytest.fixture
def participant(db):
    company = f.OrganizationFactory(name="Demo Solar LLC", kind=OrganizationKind.COMPANY)
    return f.make_user("participant", Role.PROJECT_PARTICIPANT, organization=company)


@pytest.fixture
def api_client():
    return APIClient()


def client_for(user) -> APIClient:
    """An API client authenticated with a write token of the user (as a ministry's system would)."""
    from core.models import ApiToken

    client = APIClient()
    if user is not None:
        _token, key = ApiToken.issue(user=user, name="test", scope=ApiToken.Scope.WRITE)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client
