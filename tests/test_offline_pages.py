"""Every page the server sends loads nothing from another host (issue 10): a county intranet
reaches no CDN. FastAPI's stock /docs and /redoc load theirs from one (and Google's fonts)."""

from __future__ import annotations

import re

import pytest
from serving import KEYS, Server

# Servers, many processes or large inputs: the quick subset (-m 'not slow') leaves it out.
pytestmark = pytest.mark.slow

# Where a page makes the browser fetch something: src and href attributes, CSS url(), and
# script URLs written into the page's own code.
FETCHED = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\(\s*["']?([^"')]+)""")
PAGES = ["/docs", "/redoc", "/", "/view/who/H1", "/view/trace/I1", "/view/gaps"]


@pytest.mark.parametrize("page", PAGES)
def test_a_page_fetches_only_from_its_own_server(server: Server, page: str) -> None:
    with server.client(KEYS["inspector"]) as client:
        response = client.get(page)
        assert response.status_code == 200, response.text
        html = response.text
        fetched = [first or second for first, second in FETCHED.findall(html)]
        elsewhere = [url for url in fetched if re.match(r"^(https?:)?//", url)]
        assert elsewhere == []
        assert "cdn.jsdelivr.net" not in html and "fonts.googleapis.com" not in html
        for url in fetched:
            if url.startswith("/"):
                assert client.get(url, follow_redirects=True).status_code == 200, url
