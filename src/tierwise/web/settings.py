"""What the web app needs to know at start: where runs are, the database, session timeouts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WebSettings:
    """Settings of one app instance; ``tierwise serve`` builds it from its flags.

    ``secure_cookies`` is True when the app is served over TLS (directly or behind a
    proxy that terminates it): the session cookie is then ``__Host-``-prefixed and
    ``Secure``. Browsers refuse ``__Host-`` cookies without ``Secure``, so plain-http
    serving (localhost) uses the fallback name ``tierwise_session``.
    """

    runs_dir: Path
    db_url: str | None = None
    secure_cookies: bool = False
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    #: Failed logins for one account (or one client address) before it is locked out.
    login_max_failures: int = 5
    #: First lockout in seconds; it doubles with each further failure, up to an hour.
    login_lockout_seconds: int = 30
    page_size: int = 50
    #: ``--books``: the books the runs page may analyse (services/books.py).
    books_file: Path | None = None

    @property
    def session_cookie(self) -> str:
        return "__Host-tierwise_session" if self.secure_cookies else "tierwise_session"
