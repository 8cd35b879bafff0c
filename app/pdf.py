"""Printable documents (fpdf2): an A4 page in a font with Vietnamese glyphs.

The font is ``PDF_FONT`` (DejaVu Sans by default, from Debian's
``fonts-dejavu-core``); its bold face is used when it sits beside it.
"""

from __future__ import annotations

import io
from pathlib import Path

import qrcode
import qrcode.image.svg
from flask import current_app
from fpdf import FPDF


def new_document() -> FPDF:
    """An A4 document with one page, its fonts registered as ``body`` (and bold)."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    regular = Path(current_app.config["PDF_FONT"])
    pdf.add_font("body", "", str(regular))
    bold = regular.with_name(regular.name.replace(".ttf", "-Bold.ttf"))
    pdf.add_font("body", "B", str(bold if bold.exists() else regular))
    return pdf


def place_qr(pdf: FPDF, text: str, *, x: float, y: float, size: float) -> None:
    """Draw a QR code of ``text`` (vector) at ``x``, ``y``, ``size`` mm wide."""
    svg = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage).to_string()
    pdf.image(io.BytesIO(svg), x=x, y=y, w=size)
