"""Printable documents (fpdf2): an A4 page in a font with Vietnamese glyphs, and
the parts Vietnamese official documents share (Decree 30/2020: the national
header, dates written "ngày … tháng … năm …", decimal commas, signature blocks).

The font is ``PDF_FONT`` (DejaVu Sans by default, from Debian's
``fonts-dejavu-core``); its bold face is used when it sits beside it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from flask import current_app
from fpdf import FPDF

from app import qr

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def new_document() -> FPDF:
    """An A4 document with one page, its fonts registered as ``body`` (and bold)."""
    pdf = FPDF(format="A4")
    pdf.set_margins(15, 12, 15)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    regular = Path(current_app.config["PDF_FONT"])
    pdf.add_font("body", "", str(regular))
    bold = regular.with_name(regular.name.replace(".ttf", "-Bold.ttf"))
    pdf.add_font("body", "B", str(bold if bold.exists() else regular))
    return pdf


def place_qr(pdf: FPDF, text: str, *, x: float, y: float, size: float) -> None:
    """Draw a QR code of ``text`` (vector) at ``x``, ``y``, ``size`` mm wide."""
    pdf.image(io.BytesIO(qr.svg(text).encode()), x=x, y=y, w=size)


def decimal_vi(value: object, places: int = 1) -> str:
    """A number as Vietnamese documents write it: ``8,0``, ``7,6``; text as is."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int | float | Decimal):
        return f"{Decimal(str(value)):.{places}f}".replace(".", ",")
    return str(value)


def money_vi(amount: int) -> str:
    """An amount of đồng with dots between thousands: ``50.000 đồng``."""
    return f"{amount:,}".replace(",", ".") + " đồng"


def long_date_vi(day: date) -> str:
    """``ngày 06 tháng 12 năm 2026``, as a document's place-and-date line writes it."""
    return f"ngày {day:%d} tháng {day:%m} năm {day:%Y}"


def national_header(pdf: FPDF, left: Sequence[str], *, left_width: float = 78) -> None:
    """The two-column header of an official document: the issuing body on the
    left (its lines, the first in bold), the nation and its motto on the right,
    each underlined with a short rule."""
    top = pdf.get_y()
    width = pdf.epw - left_width
    x_left, x_right = pdf.l_margin, pdf.l_margin + left_width
    pdf.set_xy(x_left, top)
    for number, line in enumerate(left):
        pdf.set_font("body", "B" if number == 0 else "", 9.5)
        pdf.multi_cell(left_width, 5, line, align="C", new_x="LEFT", new_y="NEXT")
    left_bottom = pdf.get_y()
    pdf.line(
        x_left + left_width / 2 - 12,
        left_bottom + 1,
        x_left + left_width / 2 + 12,
        left_bottom + 1,
    )
    pdf.set_xy(x_right, top)
    pdf.set_font("body", "B", 9.5)
    pdf.cell(width, 5, NATION, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("body", "B", 10.5)
    pdf.cell(width, 5.5, MOTTO, align="C", new_x="LEFT", new_y="NEXT")
    motto_width = pdf.get_string_width(MOTTO)
    middle = x_right + width / 2
    pdf.line(
        middle - motto_width / 2,
        pdf.get_y() + 0.6,
        middle + motto_width / 2,
        pdf.get_y() + 0.6,
    )
    pdf.set_xy(pdf.l_margin, max(left_bottom, pdf.get_y()) + 5)


def title(pdf: FPDF, text: str, *, size: float = 14, after: float = 1) -> None:
    """A centred bold title line."""
    pdf.set_font("body", "B", size)
    pdf.cell(0, size * 0.5, text, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(after)


def labelled(pdf: FPDF, label: str, value: str, *, size: float = 10) -> None:
    """``label`` then its value on one (wrapping) line."""
    pdf.set_font("body", "", size)
    pdf.multi_cell(
        0,
        5,
        f"**{label}** {value}",
        markdown=True,
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )


@dataclass(frozen=True)
class Signature:
    """One signer of a document: their role, name, and when they signed."""

    role: str
    name: str
    signed_on: date | None
    #: Printed under the role: how they signed (``(Đã ký số)``).
    how: str = "(Đã ký số)"


def signature_blocks(pdf: FPDF, signatures: Sequence[Signature]) -> None:
    """Side by side signature blocks: role, how it was signed, the date, the name."""
    if pdf.will_page_break(32):
        pdf.add_page()
    width = pdf.epw / len(signatures)
    top = pdf.get_y()
    for column, signature in enumerate(signatures):
        x = pdf.l_margin + column * width
        pdf.set_xy(x, top)
        pdf.set_font("body", "B", 9.5)
        pdf.multi_cell(
            width, 5, signature.role.upper(), align="C", new_x="LEFT", new_y="NEXT"
        )
        pdf.set_font("body", "", 8.5)
        pdf.cell(width, 4.5, signature.how, align="C", new_x="LEFT", new_y="NEXT")
        if signature.signed_on is not None:
            pdf.cell(
                width,
                4.5,
                f"{signature.signed_on:%d/%m/%Y}",
                align="C",
                new_x="LEFT",
                new_y="NEXT",
            )
        pdf.ln(4)
        pdf.set_x(x)
        pdf.set_font("body", "B", 10)
        pdf.multi_cell(width, 5, signature.name, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_xy(pdf.l_margin, pdf.get_y() + 2)


def qr_with_caption(
    pdf: FPDF, link: str, caption: str, text: Sequence[str], *, size: float = 28
) -> None:
    """A QR code with a short caption under it, and ``text`` beside it (left
    aligned: justified, a long link stretches the words before it apart)."""
    if pdf.will_page_break(size + 5):
        pdf.add_page()
    top = pdf.get_y()
    place_qr(pdf, link, x=pdf.l_margin, y=top, size=size)
    pdf.set_xy(pdf.l_margin, top + size)
    pdf.set_font("body", "B", 8)
    pdf.cell(size, 4, caption, align="C")
    beside = pdf.l_margin + size + 5
    pdf.set_xy(beside, top + 1)
    pdf.set_font("body", "", 8.5)
    for paragraph in text:
        pdf.set_x(beside)
        pdf.multi_cell(
            pdf.epw - size - 5, 4.3, paragraph, align="L", new_x="LEFT", new_y="NEXT"
        )
        pdf.ln(1)
    pdf.set_xy(pdf.l_margin, max(pdf.get_y(), top + size + 6))
