"""Swagger UI's own files, served by the application from a pinned package.

``/docs`` must work where there is no internet (a province's closed network, a
training room): its script and style come from swagger-ui-bundle (Swagger UI
4.15.5, pinned in ``requirements.txt``), not from a CDN at whatever version it
serves that day.
"""

from __future__ import annotations

from typing import Final

from flask import Flask, Response, send_from_directory
from swagger_ui_bundle import swagger_ui_path

#: Where ``/docs`` loads Swagger UI from (``OPENAPI_SWAGGER_UI_URL``).
ASSETS_URL: Final = "/docs/assets/"
_A_DAY: Final = 86_400


def _asset(filename: str) -> Response:
    return send_from_directory(str(swagger_ui_path), filename, max_age=_A_DAY)


def init_docs_assets(app: Flask) -> None:
    """Serve Swagger UI's files under :data:`ASSETS_URL`."""
    app.add_url_rule(
        f"{ASSETS_URL}<path:filename>", endpoint="docs_assets", view_func=_asset
    )
