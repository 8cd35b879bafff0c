"""The signed cookie session, opened only where its cookie can be sent.

Flask opens the session on every request. CongDan's only browser state is the
embedded provider's (``SESSION_COOKIE_PATH``, ``/vneid``): a browser never sends the
cookie anywhere else, so everywhere else the session is a null one and costs nothing
(reading and verifying a cookie was 15 % of the cheapest request).
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class PathScopedSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, under the cookie's path only."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """The session under the cookie's path; elsewhere none (a null session)."""
        path = self.get_cookie_path(app).rstrip("/")
        if path and request.path != path and not request.path.startswith(f"{path}/"):
            return None
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    """Scope the session to ``SESSION_COOKIE_PATH``."""
    app.session_interface = PathScopedSessionInterface()
