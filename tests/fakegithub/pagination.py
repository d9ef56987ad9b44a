"""Page-number pagination with Link headers exactly in GitHub's format."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

DEFAULT_PER_PAGE = 30


@dataclass(frozen=True)
class Page:
    """One page of a list and the Link header pointing at its neighbours."""

    items: list[Any]
    link: str | None


def paginate(items: Sequence[Any], query: Mapping[str, Any], link_base: str) -> Page:
    """Slice `items` by `page`/`per_page` and build Link with prev, next, last, first as GitHub orders them."""
    per_page = int(query.get("per_page", DEFAULT_PER_PAGE))
    page = max(1, int(query.get("page", 1)))
    last = max(1, math.ceil(len(items) / per_page))
    chunk = list(items[(page - 1) * per_page : page * per_page])
    rels: list[tuple[str, int]] = []
    if page > 1:
        rels.append(("prev", min(page - 1, last)))
    if page < last:
        rels += [("next", page + 1), ("last", last)]
    if page > 1:
        rels.append(("first", 1))
    if not rels:
        return Page(chunk, None)
    link = ", ".join(f'<{_page_url(link_base, query, number)}>; rel="{rel}"' for rel, number in rels)
    return Page(chunk, link)


def _page_url(base: str, query: Mapping[str, Any], page: int) -> str:
    """The request's own query with `page` replaced (kept in place) or appended, as GitHub writes it."""
    params = [(key, str(value)) for key, value in query.items()]
    if any(key == "page" for key, _ in params):
        params = [(key, str(page) if key == "page" else value) for key, value in params]
    else:
        params.append(("page", str(page)))
    return f"{base}?{urlencode(params, safe=',:')}"
