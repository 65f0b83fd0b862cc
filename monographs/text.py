"""How drugref stores text: one rule for the admin's forms and every import format.

Browsers send CRLF line endings, editors leave spaces at line ends, and the same
letter can arrive composed (é) or decomposed (e + ◌́). Stored as sent, the same
words would compare as changed between a typed and an imported version.
"""

import re
import unicodedata

_LINE_END_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)


def normalise(text: str) -> str:
    """Return `text` with LF line endings, no spaces or tabs at line ends or around it, in Unicode NFC."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _LINE_END_SPACE.sub("", text)).strip()


def normalised_or_same(value):
    """Return `value` normalised if it is text; anything else (None, a list of ids) as it is."""
    return normalise(value) if isinstance(value, str) else value
