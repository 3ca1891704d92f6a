"""Found 6 (issue 12): private files are served only by the permission-checked views, in every settings
mode. With the dev settings (`make run`: DEBUG on) nothing answers under /media/, and stored names carry
a keyed part that cannot be guessed from the document's number."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.test import Client
from django.urls import Resolver404, clear_url_caches, resolve, reverse
from django.utils import timezone

from documents import services
from documents.models import DocumentKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def dev_urls(settings):
    """The URLconf as `make run` builds it (jcm_registry.settings.local: DEBUG on)."""
    import jcm_registry.urls
    from jcm_registry.api_router import router

    def rebuild():
        router.registry.clear()  # the module registers every viewset again
        router.__dict__.pop("_urls", None)
        clear_url_caches()
        importlib.reload(jcm_registry.urls)

    settings.DEBUG = True
    rebuild()
    yield
    settings.DEBUG = False
    rebuild()


@pytest.fixture
def statement(accounts, issue):
    from credits.documents import statement_key

    issue(accounts["jp_pp"], 1000)
    today = timezone.localdate()
    key = statement_key(today - datetime.timedelta(days=7), today)
    return services.document_generate(kind=DocumentKind.ACCOUNT_STATEMENT, subject=accounts["jp_pp"], key=key)


def test_the_dev_settings_serve_nothing_under_media(dev_urls, statement, settings):
    url = settings.MEDIA_URL + statement.file.name
    with pytest.raises(Resolver404):
        resolve(url)
    assert Client().get(url).status_code == 404


def test_the_document_route_checks_permission(dev_urls, statement):
    url = reverse("documents:download", args=[statement.number, statement.version])
    response = Client().get(url)
    assert response.status_code in (302, 403)
    assert not getattr(response, "streaming", False)


def test_stored_names_cannot_be_guessed_from_the_number(statement):
    name = statement.file.name
    assert statement.number in name
    guessable = f"{statement.number}-v{statement.version}.pdf"
    assert not name.endswith(guessable)
    assert len(name.rsplit("-", 1)[1].removesuffix(".pdf")) >= 20
