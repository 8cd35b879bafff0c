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

from app.errors import NotFound

#: Where ``/docs`` loads Swagger UI from (``OPENAPI_SWAGGER_UI_URL``).
ASSETS_URL: Final = "/docs/assets/"
#: What ``/docs`` loads, and nothing else of the package (its stock page would load
#: the Petstore from the internet into this origin; its source maps, its templates).
SERVED: Final = frozenset(
    {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"}
)
_A_DAY: Final = 86_400


def _asset(filename: str) -> Response:
    if filename not in SERVED:
        raise NotFound()
    return send_from_directory(str(swagger_ui_path), filename, max_age=_A_DAY)


def init_docs_assets(app: Flask) -> None:
    """Serve Swagger UI's files under :data:`ASSETS_URL`."""
    app.add_url_rule(
        f"{ASSETS_URL}<string:filename>", endpoint="docs_assets", view_func=_asset
    )
