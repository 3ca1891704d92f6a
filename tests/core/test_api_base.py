"""The API stands on one base (core.api): every resource on the router is a ServiceViewSet, and an invalid
filter is refused the same way in every app (the strict filter backend is the default)."""

import pytest
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from core.api.filters import FilterBackend
from core.api.views import ServiceGenericViewSet

API = "/api/v1"


def test_every_resource_of_the_api_is_a_service_viewset():
    from jcm_registry import urls  # noqa: F401  (the root URLconf registers every app's resources)
    from jcm_registry.api_router import router

    assert len(router.registry) > 30
    assert [prefix for prefix, viewset, _ in router.registry if not issubclass(viewset, ServiceGenericViewSet)] == []


def test_the_strict_filter_backend_is_the_default():
    assert api_settings.DEFAULT_FILTER_BACKENDS[0] is FilterBackend


@pytest.mark.django_db
@pytest.mark.parametrize("path, field", [("decisions", "kind"), ("methodologies", "status"),
                                         ("projects", "status"), ("accounts", "type")])
def test_an_invalid_filter_is_refused_alike_in_every_app(path, field):
    response = APIClient().get(f"{API}/{path}/", {field: "not-a-choice"})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["detail"].startswith(f"Invalid filter. {field}: ")
    assert list(body["errors"]) == [field]
