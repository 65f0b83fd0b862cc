"""Reading import files: the one place that opens and decodes them (UTF-8, a BOM allowed).

A file that cannot be opened or is not UTF-8 is a problem naming the file (and
the line of the first bad byte), never an exception.
"""

from pathlib import Path

from ..records import InvalidInput, Problem


def read_text(path: Path) -> str:
    """Return a whole file's text, or raise InvalidInput."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput([Problem(str(path), None, "file", f"cannot be read: {exc.strerror}")]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            [Problem(str(path), raw[: exc.start].count(b"\n") + 1, "file", "is not UTF-8 text")]
        ) from None


def read_lines(path: Path):
    """Yield (line number, text) for each line, read as a stream; a Problem for a file or line that cannot be read."""
    try:
        stream = path.open("rb")
    except OSError as exc:
        yield Problem(str(path), None, "file", f"cannot be read: {exc.strerror}")
        return
    with stream:
        for number, raw in enumerate(stream, 1):
            try:
                yield number, raw.decode("utf-8").removeprefix("\ufeff")
            except UnicodeDecodeError:
                yield Problem(str(path), number, "file", "is not UTF-8 text")
