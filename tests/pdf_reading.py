"""Read a printed document as a person would: its text (pypdf), and the QR code
on its first page rendered to an image (pypdfium2 renders, zxing-cpp decodes)."""

from __future__ import annotations

import io

import pypdfium2
import zxingcpp
from pypdf import PdfReader


def pdf_text(document: bytes) -> str:
    """The text of every page, in reading order."""
    return "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(document)).pages
    )


def pdf_qr_codes(document: bytes, page: int = 0, scale: float = 3) -> list[str]:
    """What the QR codes printed on ``page`` say, read off a rendering of it."""
    pdf = pypdfium2.PdfDocument(document)
    try:
        image = pdf[page].render(scale=scale).to_pil()
    finally:
        pdf.close()
    return [found.text for found in zxingcpp.read_barcodes(image) if found.valid]


def render_page(document: bytes, path: str, page: int = 0, scale: float = 1.5) -> None:
    """Save ``page`` as an image (for the README's pictures; JPEG for ``.jpg``)."""
    pdf = pypdfium2.PdfDocument(document)
    try:
        pdf[page].render(scale=scale).to_pil().convert("RGB").save(path, quality=80)
    finally:
        pdf.close()


def png_qr_codes(data_uri: str) -> list[str]:
    """What the QR codes of a PNG ``data:`` URI say."""
    import base64

    from PIL import Image

    assert data_uri.startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(data_uri.split(",", 1)[1])))
    return [found.text for found in zxingcpp.read_barcodes(image) if found.valid]
