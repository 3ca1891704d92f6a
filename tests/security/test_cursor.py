"""Found 9 (issue 12): a malformed pagination cursor answers 400 with a clear message, never a 500."""

import base64

import pytest
from rest_framework.test import APIClient


def _cursor(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.django_db
@pytest.mark.parametrize("cursor", [
    _cursor("p=not-a-number"),      # a position the ordering column cannot hold
    _cursor("o=abc&p=1"),           # an offset that is not a number
    "%%%not base64%%%",             # not a cursor at all
    _cursor("p=" + "9" * 40),       # a number beyond bigint
])
@pytest.mark.parametrize("url", ["/api/v1/blocks/", "/api/v1/transactions/"])
def test_malformed_cursor_is_a_400(url, cursor):
    response = APIClient().get(url, {"cursor": cursor})
    assert response.status_code == 400, response.content[:300]
    assert response.json()["code"] == "invalid_cursor"
    assert "cursor" in response.json()["detail"].lower()
