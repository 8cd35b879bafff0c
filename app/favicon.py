"""The site's icon, at ``/favicon.ico`` where browsers ask for it: a yellow star on
red, drawn once with Pillow (no binary file in the repository)."""

from __future__ import annotations

import io
import math
from functools import cache

from flask import Flask, Response
from PIL import Image, ImageDraw

_SIZE = 64


@cache
def icon_png() -> bytes:
    """The icon as a 64×64 PNG."""
    image = Image.new("RGBA", (_SIZE, _SIZE), (218, 37, 29, 255))
    centre, outer, inner = _SIZE / 2, _SIZE * 0.36, _SIZE * 0.145
    points = [
        (
            centre + (outer if i % 2 == 0 else inner) * math.sin(i * math.pi / 5),
            centre - (outer if i % 2 == 0 else inner) * math.cos(i * math.pi / 5),
        )
        for i in range(10)
    ]
    ImageDraw.Draw(image).polygon(points, fill=(255, 255, 0, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _favicon() -> Response:
    response = Response(icon_png(), mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def init_favicon(app: Flask) -> None:
    """Serve the icon at ``/favicon.ico``."""
    app.add_url_rule("/favicon.ico", endpoint="favicon", view_func=_favicon)
