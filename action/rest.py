"""The few REST calls the Action's review makes, over the standard library's urllib: the Action installs only
Toasty's core, so it carries no HTTP stack of its own."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

TIMEOUT = 30.0
MAX_PAGES = 30
"""3,000 review comments at 100 a page: more than a pull request can hold before GitHub paginates it away."""
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


class GitHubError(Exception):
    """GitHub answered with an error status (or could not be reached: status 0)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status} {message}" if status else message)
        self.status = status


@dataclass(frozen=True, slots=True)
class RestClient:
    """One token's view of one GitHub REST API (github.com or an Enterprise Server's /api/v3)."""

    api_url: str
    token: str

    def get_pages(self, path: str) -> Iterator[dict[str, Any]]:
        """Every item of a paginated list, following GitHub's Link headers."""
        url: str | None = self._url(path)
        for _ in range(MAX_PAGES):
            if url is None:
                return
            items, headers = self._send("GET", url)
            yield from items if isinstance(items, list) else []
            found = _NEXT.search(headers.get("link", ""))
            url = found.group(1) if found else None

    def get(self, path: str) -> Any:
        """One GET's JSON answer."""
        body, _ = self._send("GET", self._url(path))
        return body

    def post(self, path: str, data: dict[str, Any]) -> Any:
        """POST a JSON body; never sent twice (GitHub may have applied a request whose answer was lost)."""
        body, _ = self._send("POST", self._url(path), json.dumps(data).encode("utf-8"))
        return body

    def _url(self, path: str) -> str:
        return self.api_url.rstrip("/") + path

    def _send(self, method: str, url: str, body: bytes | None = None) -> tuple[Any, dict[str, str]]:
        if not url.startswith(("https://", "http://")):
            raise GitHubError(0, f"not an http(s) URL: {url}")
        request = urllib.request.Request(url, data=body, method=method)  # noqa: S310  (scheme checked above)
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        request.add_header("User-Agent", "toasty-action")
        if body is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
                return _json(response.read()), {k.lower(): v for k, v in response.headers.items()}
        except urllib.error.HTTPError as error:
            raise GitHubError(error.code, _message(error.read()) or str(error.reason)) from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise GitHubError(0, f"{method} {url}: {getattr(error, 'reason', error)}") from None


def _json(data: bytes) -> Any:
    try:
        return json.loads(data) if data else None
    except ValueError:
        return None


def _message(data: bytes) -> str:
    body = _json(data)
    return str(body.get("message", "")) if isinstance(body, dict) else ""
