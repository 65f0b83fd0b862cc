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


# Characters a one-line name must not hold: line breaks, and invisible characters that reorder or hide
# text ("Besponsa \u202egnp.exe" reads "Besponsa exe.png"): bidirectional controls and zero-width characters.
_NOT_ON_ONE_LINE = {
    **dict.fromkeys("\n\r\x0b\x0c\x85\u2028\u2029", "a line break"),
    **dict.fromkeys("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c", "a direction control"),
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff", "a zero-width character"),
}


NOT_ON_ONE_LINE = re.compile("[" + re.escape("".join(_NOT_ON_ONE_LINE)) + "]")


def single_line_problem(value: str) -> str:
    """Return what keeps `value` from being one plain line of text (naming the character), or ""."""
    found = NOT_ON_ONE_LINE.search(value)
    if found is None:
        return ""
    character = found.group()
    return f"contains {_NOT_ON_ONE_LINE[character]} (U+{ord(character):04X}): keep it to one line of visible text"


NAME_MAX_LENGTH = 200


def name_list(value) -> str:
    """Return a list of names as stored: one a line, each trimmed, no empty lines, none twice (in any case)."""
    lines = value if isinstance(value, list) else normalise(value or "").split("\n")
    names, seen = [], set()
    for line in (normalise(line) for line in lines):
        if line and line.casefold() not in seen:
            seen.add(line.casefold())
            names.append(line)
    return "\n".join(names)


def name_problem(name: str) -> str:
    """Return what is wrong with one of a list of names, naming it, or ""."""
    if problem := single_line_problem(name):
        return f"{name!r} {problem}"
    if len(name) > NAME_MAX_LENGTH:
        return f"{name[:40]!r}… is {len(name)} characters long, at most {NAME_MAX_LENGTH} fit"
    return ""


def name_list_problem(value: str) -> str:
    """Return what is wrong with the first bad name of a list (one a line), naming it, or ""."""
    return next((problem for name in value.split("\n") if (problem := name_problem(name))), "")


def validate_name_list(value):
    """The model fields' validator for other names, one a line."""
    from django.core.exceptions import ValidationError

    if isinstance(value, str) and (problem := name_list_problem(value)):
        raise ValidationError(f"One of the names: {problem}.", code="bad_name")


def validate_single_line(value):
    """The model fields' validator for one-line names: questions, drug, condition, reviewer and group names."""
    from django.core.exceptions import ValidationError

    if isinstance(value, str) and (problem := single_line_problem(value)):
        raise ValidationError(f"This field {problem}.", code="not_single_line")
