"""Whether an uploaded PDF could run anything in a reader, judged on parsed objects.

A byte search is blind to what a reader sees: ``/J#61vaScript`` is ``/JavaScript``
once the name is decoded, and an object inside a compressed object stream is not
in the file's bytes at all. So the file is parsed with pypdf, names decoded and
object streams inflated by it, and *every* object is inspected — each one the
cross-reference data lists, each one an object stream holds, and each ``N G obj``
in the file that no cross-reference lists (a reader repairing a damaged file finds
those too) — not only the ones reachable from the catalogue.

Refused: scripts (``/JS``, the ``/JavaScript`` name tree), embedded and attached
files, XFA forms, rich media, 3D, movies, sounds and screens, and every action
other than going to a page, following a web or mail link, the four page-turning
named actions and article threads; an action that runs by itself (``/OpenAction``,
``/AA`` of the catalogue, a page, an annotation or a form field, and their
``/Next`` chains) may only go to a page. A dossier's scan or form needs nothing
more; refusing by an allow-list means an action type we did not think of is
refused too.
"""

from __future__ import annotations

import enum
import io
import re
from collections.abc import Iterator
from typing import Final

from pypdf import PasswordType, PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NumberObject,
    PdfObject,
    StreamObject,
    read_object,
)

#: More objects than a scanned or printed dossier document has; walking more
#: would let one upload hold a worker for long.
MAX_OBJECTS: Final = 20_000
#: Objects found by their header though no cross-reference lists them; each costs
#: the parser a search of the whole file.
MAX_UNLISTED: Final = 200
#: What one stream may inflate to, and what the object streams of one file may
#: inflate to in all: a few compressed kilobytes of spaces would otherwise become
#: tens of megabytes each, kept in memory for the whole check.
MAX_STREAM_BYTES: Final = 8_000_000
MAX_DECODED_BYTES: Final = 32_000_000
_LIMITS: Final = dict.fromkeys(
    (
        "zlib_maximum_output_length",
        "lzw_maximum_output_length",
        "run_length_maximum_output_length",
        "brotli_maximum_output_length",
        "array_based_stream_maximum_output_length",
        "maximum_declared_stream_length",
    ),
    MAX_STREAM_BYTES,
)

#: Keys that carry a script, another file or an XFA form wherever they stand.
FORBIDDEN_KEYS: Final = frozenset(
    {"/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/XFA", "/RichMediaContent"}
)
#: ``/Type`` or ``/Subtype`` values of objects that carry files, media or scripts.
FORBIDDEN_TYPES: Final = frozenset(
    {
        "/EmbeddedFile",
        "/FileAttachment",
        "/RichMedia",
        "/3D",
        "/Movie",
        "/Sound",
        "/Screen",
    }
)
#: Every action type of ISO 32000-2, 12.6.4; those not allowed below are refused.
ACTION_TYPES: Final = frozenset(
    {
        "/GoTo", "/GoToR", "/GoToE", "/GoToDp", "/Launch", "/Thread", "/URI",
        "/Sound", "/Movie", "/Hide", "/Named", "/SubmitForm", "/ResetForm",
        "/ImportData", "/SetOCGState", "/Rendition", "/Trans", "/GoTo3DView",
        "/JavaScript", "/RichMediaExecute",
    }
)  # fmt: skip
ALLOWED_ACTIONS: Final = frozenset({"/GoTo", "/URI", "/Named", "/Thread"})
#: What an action that runs without a click may do.
AUTOMATIC_ACTIONS: Final = frozenset({"/GoTo"})
ALLOWED_NAMED: Final = frozenset({"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"})
ALLOWED_URI: Final = re.compile(r"(?i)(https?://|mailto:)")

_HEADER: Final = re.compile(
    rb"(?<![0-9])([0-9]{1,10})[\s\x00]+([0-9]{1,5})[\s\x00]+obj"
)


class Refusal(enum.Enum):
    """Why a PDF is refused."""

    ACTIVE = "active"
    MALFORMED = "malformed"
    ENCRYPTED = "encrypted"
    TOO_COMPLEX = "too_complex"


class PdfRefusedError(Exception):
    """The PDF is refused, for ``reason``."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


def check(content: bytes) -> None:
    """Return if ``content`` is a readable PDF with no active content; else raise.

    :raises PdfRefusedError: with the reason — active content, damaged beyond what the
        parser repairs, locked by a password, or too many objects to inspect.
    """
    try:
        with apply_configuration(None, **_LIMITS):
            reader = PdfReader(io.BytesIO(content), strict=False)
            if (
                reader.is_encrypted
                and reader.decrypt(b"") == PasswordType.NOT_DECRYPTED
            ):
                raise PdfRefusedError(Refusal.ENCRYPTED)
            _decode_object_streams(reader)
            catalog = reader.trailer["/Root"].get_object()
            if not isinstance(catalog, DictionaryObject) or len(reader.pages) < 1:
                raise PdfRefusedError(Refusal.MALFORMED)
            for obj in _objects(reader, content):
                _inspect(obj)
    except PdfRefusedError:
        raise
    except LimitReachedError as error:
        raise PdfRefusedError(Refusal.TOO_COMPLEX) from error
    except Exception as error:  # any failure of the parser on untrusted bytes
        raise PdfRefusedError(Refusal.MALFORMED) from error


def _decode_object_streams(reader: PdfReader) -> None:
    """Inflate every object stream the cross-reference uses, within one budget.

    First, before any object inside them is read (reading one inflates its whole
    stream): the budget must hold however the objects are ordered.
    """
    decoded = 0
    for number in sorted({place for place, _ in reader.xref_objStm.values()}):
        stream = reader.get_object(IndirectObject(number, 0, reader))
        if isinstance(stream, StreamObject):
            decoded += len(stream.get_data())
            if decoded > MAX_DECODED_BYTES:
                raise PdfRefusedError(Refusal.TOO_COMPLEX)


def _objects(reader: PdfReader, content: bytes) -> Iterator[PdfObject]:
    """The trailer and every object of the file, each once."""
    yield reader.trailer
    listed = {(idnum, gen) for gen, row in reader.xref.items() for idnum in row}
    listed |= {(idnum, 0) for idnum in reader.xref_objStm}
    headers = {(int(m[1]), int(m[2])) for m in _HEADER.finditer(content)}
    if len(headers - listed) > MAX_UNLISTED:
        raise PdfRefusedError(Refusal.TOO_COMPLEX)
    count = 0
    decoded = 0
    for idnum, gen in sorted(listed | headers):
        obj = reader.get_object(IndirectObject(idnum, gen, reader))
        if obj is None:
            continue
        yield obj
        count += 1
        if isinstance(obj, StreamObject) and obj.get("/Type") == "/ObjStm":
            decoded += len(obj.get_data())
            if decoded > MAX_DECODED_BYTES:
                raise PdfRefusedError(Refusal.TOO_COMPLEX)
            for packed in _packed(reader, idnum, obj):
                yield packed
                count += 1
        if count > MAX_OBJECTS:
            raise PdfRefusedError(Refusal.TOO_COMPLEX)


def _packed(
    reader: PdfReader, number: int, stream: StreamObject
) -> Iterator[PdfObject]:
    """Objects of an object stream that the cross-reference does not place there."""
    data = stream.get_data()
    first = stream["/First"]
    count = stream["/N"]
    if not isinstance(first, NumberObject) or not isinstance(count, NumberObject):
        raise PdfRefusedError(Refusal.MALFORMED)
    pairs = [int(n) for n in data[: int(first)].split()]
    if len(pairs) != 2 * int(count):
        raise PdfRefusedError(Refusal.MALFORMED)
    buffer = io.BytesIO(data)
    for idnum, offset in zip(pairs[::2], pairs[1::2], strict=True):
        if reader.xref_objStm.get(idnum, (None, None))[0] == number:
            continue  # the reader has it, and _objects yielded it
        buffer.seek(int(first) + offset)
        yield read_object(buffer, reader)


def _inspect(root: PdfObject) -> None:
    """Refuse if ``root`` or anything directly inside it is active content."""
    stack = [root]
    while stack:
        obj = stack.pop()
        if isinstance(obj, DictionaryObject):
            _inspect_dictionary(obj)
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)


def _inspect_dictionary(obj: DictionaryObject) -> None:
    if FORBIDDEN_KEYS & obj.keys():
        raise PdfRefusedError(Refusal.ACTIVE)
    for key in ("/Type", "/Subtype"):
        if _value(obj, key) in FORBIDDEN_TYPES:
            raise PdfRefusedError(Refusal.ACTIVE)
    _inspect_action(obj)
    if "/OpenAction" in obj:
        _inspect_automatic(obj["/OpenAction"])
    additional = obj.get("/AA")
    if additional is not None:
        triggers = additional.get_object()
        if not isinstance(triggers, DictionaryObject):
            raise PdfRefusedError(Refusal.MALFORMED)
        for action in triggers.values():
            _inspect_automatic(action)


def _inspect_action(obj: DictionaryObject) -> None:
    kind = _value(obj, "/S")
    if kind not in ACTION_TYPES:
        return  # another use of /S: a transition, a structure element, a mask
    if kind not in ALLOWED_ACTIONS:
        raise PdfRefusedError(Refusal.ACTIVE)
    if kind == "/Named" and _value(obj, "/N") not in ALLOWED_NAMED:
        raise PdfRefusedError(Refusal.ACTIVE)
    if kind == "/URI":
        uri = obj.get("/URI")
        target = str(uri.get_object() if uri is not None else "").strip()
        if not ALLOWED_URI.match(target):
            raise PdfRefusedError(Refusal.ACTIVE)


def _inspect_automatic(trigger: PdfObject) -> None:
    """An action that runs by itself, and the chain of actions after it.

    ``trigger`` may also be a destination (``[page /Fit]``, a name): nothing runs.
    """
    pending = [trigger.get_object()]
    seen: set[int] = set()
    while pending:
        action = pending.pop()
        if not isinstance(action, DictionaryObject) or id(action) in seen:
            continue
        seen.add(id(action))
        if _value(action, "/S") not in AUTOMATIC_ACTIONS:
            raise PdfRefusedError(Refusal.ACTIVE)
        following = action.get("/Next")
        following = following.get_object() if following is not None else None
        if isinstance(following, ArrayObject):
            pending.extend(item.get_object() for item in following)
        else:
            pending.append(following)


def _value(obj: DictionaryObject, key: str) -> str | None:
    value = obj.get(key)
    return None if value is None else str(value.get_object())
