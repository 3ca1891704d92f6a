"""Every page of the seeded demo registry, reached by following its own links as each demo user (and as
the public) would: none answers with a server error, and no link the registry shows leads to a page
that does not exist (404) or that the user may not open (403)."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django.test import Client

from jcm_registry import demo

HREF = re.compile(r'href="([^"]+)"')
SKIP_PREFIXES = ("/static/", "/media/", "/accounts/logout/", "/admin/", "/i18n/", "/api/")
MAX_PAGES = 600  # per user: the demo registry has fewer; the cap keeps a runaway link loop bounded
MAX_QUERIES_PER_PATH = 3  # filter and page links: a few variants of each list are enough


def internal_links(html: str) -> list[str]:
    links = []
    for raw in HREF.findall(html):
        url = urldefrag(raw.replace("&amp;", "&"))[0]
        if url.startswith("/") and not url.startswith("//") and not url.startswith(SKIP_PREFIXES):
            links.append(url)
    return links


def crawl(client: Client) -> tuple[int, list[str]]:
    """Visit every reachable page breadth-first; return the number visited and the problems found."""
    seen: set[str] = set()
    variants: dict[str, int] = {}
    queue: deque[tuple[str, str]] = deque([("/", "(start)")])
    problems: list[str] = []
    visited = 0
    while queue and visited < MAX_PAGES:
        url, source = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        path, query = urlsplit(url).path, urlsplit(url).query
        if query:
            variants[path] = variants.get(path, 0) + 1
            if variants[path] > MAX_QUERIES_PER_PATH:
                continue
        response = client.get(url)
        visited += 1
        if response.status_code >= 400:
            problems.append(f"{response.status_code} {url} (linked from {source})")
            continue
        if response.status_code in (301, 302):
            location = response["Location"]
            if location.startswith("/") and "/accounts/login/" not in location:
                queue.append((location, url))
            continue
        if "text/html" in response.get("Content-Type", ""):
            body = response.content.decode()
            if "<title>" not in body:
                problems.append(f"no <title>: {url}")
            queue.extend((link, url) for link in internal_links(body) if link not in seen)
        elif getattr(response, "streaming", False):
            b"".join(response.streaming_content)  # downloads: read them through
    return visited, problems


@pytest.fixture
def seeded(db):
    demo.seed()


USERS = [None, "demo-admin", "secretariat", "member", "participant", "participant-jp", "auditor",
         "registry-admin", "registry-admin-mn", "ministry-mn"]


@pytest.mark.parametrize("username", USERS, ids=[u or "public" for u in USERS])
def test_every_linked_page_opens_for_each_demo_user(seeded, username, django_user_model):
    client = Client()
    if username is not None:
        client.force_login(django_user_model.objects.get(username=username))
    visited, problems = crawl(client)
    assert visited > 20, "the crawl did not get past the home page"
    assert problems == [], "\n".join(problems)
