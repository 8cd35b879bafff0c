"""Text as people write it: one Unicode form, and no invisible characters.

Vietnamese can be typed precomposed (NFC, ``ế`` as one code point) or decomposed
(NFD, ``e`` plus two combining marks); both look the same and compare different,
so every text is stored in NFC. Characters a reader cannot see are refused rather
than stripped: control characters (NUL, which PostgreSQL cannot store, among
them), bidirectional overrides and isolates that make a name display as something
else (U+202E), zero-width joiners and spaces, line and paragraph separators,
lone surrogates (which cannot even be encoded as UTF-8), and Unicode's
noncharacters (U+FFFE, U+FFFF, U+FDD0 to U+FDEF…: meant never to be interchanged,
and not allowed in XML, which Open311 clients read).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from app.i18n import add_validation_messages

#: Cc control, Cf format (bidi controls, zero-width characters, soft hyphen…),
#: Cs surrogate, Zl and Zp line and paragraph separators.
_INVISIBLE: Final = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
#: Unicode's noncharacters: U+FDD0 to U+FDEF and the last two code points of every
#: plane (searched in C: request bodies carry long strings, a credential among them).
_NONCHARACTER: Final = re.compile(
    "[\ufdd0-\ufdef"
    + "".join(
        chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(17)
    )
    + "]"
)
#: What multi-line text (comments, reasons, summaries) may contain besides.
_LAYOUT: Final = frozenset("\t\n\r")

INVISIBLE_ERROR: Final = (
    "Must not contain control or invisible formatting characters ({char})."
)

add_validation_messages(
    {
        INVISIBLE_ERROR: "Không được chứa ký tự điều khiển hoặc ký tự định dạng ẩn ({char})."
    }
)


def invisible_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character of ``value`` a reader cannot see, or ``None``.

    :param multiline: tabs and line breaks are allowed (and only then).
    """
    if value.isprintable():  # fast path: no Cc, Cf, Cs, Zl or Zp at all...
        if value.isascii():  # (a credential, a token, most codes)
            return None
        # ...but noncharacters are Cn, which isprintable() lets through.
        found = _NONCHARACTER.search(value)
        return found.group() if found else None
    for char in value:
        if multiline and char in _LAYOUT:
            continue
        if unicodedata.category(char) in _INVISIBLE or _NONCHARACTER.match(char):
            return char
    return None


def describe(char: str) -> str:
    """``U+202E``: how an error message names a character it cannot show."""
    return f"U+{ord(char):04X}"


def clean(value: str, *, multiline: bool = False) -> str:
    """Return ``value`` in NFC, or raise ``ValueError`` naming an invisible character.

    The message is :data:`INVISIBLE_ERROR` (translated at render time).
    """
    found = invisible_character(value, multiline=multiline)
    if found is not None:
        raise ValueError(INVISIBLE_ERROR.format(char=describe(found)))
    return unicodedata.normalize("NFC", value)
