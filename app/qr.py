"""QR codes of short texts (a share code, an ``otpauth://`` URI, a verify link):
SVG for pages and documents, PNG for apps that draw bitmaps."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.pil
import qrcode.image.svg


def svg(text: str) -> str:
    """The QR code of ``text`` as an SVG document (vector paths)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage)
    return str(image.to_string().decode())


def png_data_uri(text: str, box_size: int = 8) -> str:
    """The QR code of ``text`` as a PNG ``data:`` URI, ``box_size`` pixels a module."""
    image = qrcode.make(
        text, image_factory=qrcode.image.pil.PilImage, box_size=box_size
    )
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
