"""CSRF protection (ASVS V3.5) on every state-changing request.

Two checks: the browser's own word on where the request comes from (``Origin``, else
``Sec-Fetch-Site``) must be this site, and a request authenticated by the session cookie
must carry the session's token (form field ``csrf_token`` or header ``X-CSRF-Token``,
which htmx sends from the page's ``hx-headers``). Requests authenticated by a bearer
token carry no ambient credential, so only the first check applies to them.
"""

from __future__ import annotations

import secrets

from fastapi import Request

from tierwise.web.services.errors import Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FIELD = "csrf_token"
HEADER = "x-csrf-token"


def same_origin(request: Request) -> bool:
    """Does the browser say this request comes from our own pages?"""
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        own = f"{request.url.scheme}://{request.url.netloc}"
        return origin == own
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    # "null": an opaque origin (sandboxed frame, data: URL) without Fetch metadata: refused.
    # No Origin and no Fetch metadata: not a browser; the token check decides.
    return origin != "null"


async def check(request: Request, expected: str | None) -> None:
    """Raise ``Forbidden`` unless the request may change state."""
    if request.method in SAFE_METHODS:
        return
    if not same_origin(request):
        raise Forbidden("refused: this request came from another site (CSRF check)")
    if expected is None:
        return
    sent = request.headers.get(HEADER)
    if sent is None and _is_form(request):
        form = await request.form()
        value = form.get(FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not secrets.compare_digest(sent, expected):
        raise Forbidden("refused: the form's security token is missing or stale; reload the page")


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))
