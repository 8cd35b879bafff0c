"""Hand-built PDF files for the upload checks: byte for byte, offsets computed.

A PDF here is a list of object bodies, numbered from 1 in order; object 1 is the
catalogue. ``classic`` writes them with a cross-reference table; ``compressed``
puts the chosen ones into a FlateDecode object stream indexed by a
cross-reference stream, as PDF 1.5+ writers do, so that nothing of them is
visible in the file's bytes.
"""

from __future__ import annotations

import struct
import zlib

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"

CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = (
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
    b" /Resources << >> >>"
)


def stream(data: bytes, extra: bytes = b"", *, deflate: bool = False) -> bytes:
    """A stream object's body holding ``data``."""
    if deflate:
        data = zlib.compress(data)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


CONTENT = stream(b"BT /F1 12 Tf 72 770 Td ET")


def document(
    catalog: bytes = CATALOG, page: bytes = PAGE, *extra: bytes
) -> list[bytes]:
    """The objects of a one-page document; ``extra`` are objects 5, 6, ..."""
    return [catalog, PAGES, page, CONTENT, *extra]


def classic(objects: list[bytes], unlisted: tuple[bytes, ...] = ()) -> bytes:
    """A PDF with a cross-reference table.

    ``unlisted`` objects follow, numbered on, in the file but not in the table.
    """
    out = bytearray(HEADER)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    for number, body in enumerate(unlisted, start=len(objects) + 1):
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def compressed(
    objects: list[bytes], inside: set[int], hidden: frozenset[int] = frozenset()
) -> bytes:
    """A PDF whose objects numbered in ``inside`` sit in a FlateDecode object stream.

    The cross-reference stream marks those in ``hidden`` as free.
    """
    stream_number = len(objects) + 1
    xref_number = stream_number + 1
    packed = sorted(inside)
    header = bytearray()
    payload = bytearray()
    for number in packed:
        header += b"%d %d " % (number, len(payload))
        payload += objects[number - 1] + b"\n"
    object_stream = stream(
        bytes(header) + bytes(payload),
        b" /Type /ObjStm /N %d /First %d" % (len(packed), len(header)),
        deflate=True,
    )
    out = bytearray(HEADER)
    entries: dict[int, tuple[int, int, int]] = {0: (0, 0, 65535)}
    for number, body in enumerate([*objects, object_stream], start=1):
        if number in hidden:
            entries[number] = (0, 0, 0)
            continue
        if number in inside:
            entries[number] = (2, stream_number, packed.index(number))
            continue
        entries[number] = (1, len(out), 0)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    entries[xref_number] = (1, len(out), 0)
    rows = b"".join(
        struct.pack(">BIH", *entries[number]) for number in range(xref_number + 1)
    )
    xref_stream = stream(
        rows,
        b" /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R" % (xref_number + 1),
        deflate=True,
    )
    xref = len(out)
    out += b"%d 0 obj\n%s\nendobj\n" % (xref_number, xref_stream)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
