"""Drug labels: reading FDA Structured Product Labels (SPL) and saying which watched sections changed.

An SPL document (DailyMed's download, one XML file per label version, often in
a zip) names its label by a set id that stays the same across versions, its
version number and its effective date, and holds sections identified by LOINC
codes. drugref keeps, for each version, the text of the sections an answer
most often depends on; a new version whose watched sections differ from the
version before puts the answers about that drug up for re-review (editorial).

XML from outside is parsed with defusedxml: no DTD, so no entity expansion
and nothing fetched from the network.
"""

import hashlib
import io
import re
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

# The sections watched, by LOINC code, as the page and the reviewer name them.
WATCHED = {
    "34066-1": "Boxed warning",
    "43683-2": "Recent major changes",
    "34067-9": "Indications and usage",
    "34068-7": "Dosage and administration",
    "34070-3": "Contraindications",
    "43685-7": "Warnings and precautions",
    "34071-1": "Warnings",  # labels in the older format
}
LOINC = "2.16.840.1.113883.6.1"
_V3 = "{urn:hl7-org:v3}"
# Elements whose words are a line of a section's text; lists and tables are read through their items and cells.
_BLOCKS = {f"{_V3}{tag}" for tag in ("paragraph", "item", "title", "caption", "td", "th")}
_NESTED = {f"{_V3}{tag}" for tag in ("paragraph", "item", "list", "table")}
# A label's XML is a few hundred KB, its zip (with images) a few MB: far beyond these is not a label.
MAX_XML_BYTES = 20 * 2**20
MAX_FILE_BYTES = 200 * 2**20


class LabelError(Exception):
    """A label file that cannot be read: says the file and the element."""

    def __init__(self, name: str, element: str, message: str):
        super().__init__(f"{name}: {element}: {message}" if element else f"{name}: {message}")


@dataclass
class Section:
    title: str
    text: str

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.title}\n{self.text}".encode()).hexdigest()

    def stored(self) -> dict:
        return {"title": self.title, "text": self.text, "fingerprint": self.fingerprint}


@dataclass
class LabelDocument:
    """One version of a label, as read from its file."""

    name: str  # the file it came from, for messages
    set_id: str
    version: int
    effective_on: date
    title: str
    sections: dict[str, Section] = field(default_factory=dict)  # LOINC code -> section

    def stored_sections(self) -> dict:
        return {code: section.stored() for code, section in self.sections.items()}


def read(sources: list[str]) -> list[LabelDocument]:
    """Read every label in `sources` (XML files, zips of them, or https addresses); raise LabelError at a bad one."""
    documents = []
    for source in sources:
        data = read_url(source) if "://" in source else _read_file(Path(source))
        documents += [parse(member, name) for name, member in _members(data, source)]
    return documents


def _read_file(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise LabelError(str(path), "", f"larger than {MAX_FILE_BYTES // 2**20} MB")
        return path.read_bytes()
    except OSError as error:
        raise LabelError(str(path), "", error.strerror or str(error)) from None


def _members(data: bytes, name: str):
    """Yield (name, bytes) of one XML document, or of each XML file in a zip (DailyMed's per-label download)."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        yield name, data
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [info for info in archive.infolist() if info.filename.lower().endswith(".xml")]
            if not members:
                raise LabelError(name, "", "the zip holds no XML file")
            for info in members:
                if info.file_size > MAX_XML_BYTES:
                    raise LabelError(f"{name}:{info.filename}", "", f"larger than {MAX_XML_BYTES // 2**20} MB")
                yield f"{name}:{info.filename}", archive.read(info)
    except zipfile.BadZipFile as error:
        raise LabelError(name, "", f"not a readable zip ({error})") from None


def parse(data: bytes, name: str) -> LabelDocument:
    """Return the label version in SPL XML `data`; `name` says where it came from in any error."""
    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise LabelError(name, "", "refused: the XML declares a DTD or entities, which a label never needs") from None
    except ParseError as error:
        raise LabelError(name, "", f"not well-formed XML ({error})") from None
    if root.tag != f"{_V3}document":
        raise LabelError(name, _local(root.tag), "not an SPL document (expected <document> in urn:hl7-org:v3)")
    set_id = _attribute(root, "setId", "root", name)
    if not re.fullmatch(r"[0-9A-Fa-f-]{8,64}", set_id):
        raise LabelError(
            name, "setId", f"expected a set id like bd6d5d28-1c8b-4bc4-a4f3-2b4e4b7e2e07, found {set_id!r}"
        )
    version = _attribute(root, "versionNumber", "value", name)
    if not version.isdigit():
        raise LabelError(name, "versionNumber", f"expected a whole number, found {version!r}")
    effective = _attribute(root, "effectiveTime", "value", name)
    try:
        effective_on = date(int(effective[:4]), int(effective[4:6]), int(effective[6:8]))
    except ValueError:
        raise LabelError(name, "effectiveTime", f"expected a date like 20240301, found {effective!r}") from None
    title = _text(root.find(f"{_V3}title"))
    document = LabelDocument(name, set_id.lower(), int(version), effective_on, title)
    for section in root.iter(f"{_V3}section"):
        code = section.find(f"{_V3}code")
        if code is None or code.get("codeSystem", LOINC) != LOINC or code.get("code") not in WATCHED:
            continue
        # The first of a code is the section; the same code again further down is part of it.
        document.sections.setdefault(
            code.get("code"), Section(_text(section.find(f"{_V3}title")), _section_text(section))
        )
    return document


def _attribute(root: Element, tag: str, attribute: str, name: str) -> str:
    element = root.find(f"{_V3}{tag}")
    if element is None or not element.get(attribute, "").strip():
        raise LabelError(name, tag, f"missing (every SPL document has <{tag} {attribute}=…>)")
    return element.get(attribute).strip()


def _section_text(section: Element) -> str:
    """The words of a section and its subsections, titles included, one paragraph a line."""
    blocks = (element for element in section.iter() if element.tag in _BLOCKS)
    return "\n".join(text for element in blocks if (text := _text(element, own=True)))


def _text(element: Element | None, own: bool = False) -> str:
    """The words of `element`, spacing collapsed; with `own`, not those of its nested paragraphs and items."""
    if element is None:
        return ""
    if not own:
        return " ".join("".join(element.itertext()).split())
    parts = [element.text or ""]
    for child in element:
        if child.tag not in _NESTED:
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def changed_sections(before: dict | None, after: dict) -> list[str]:
    """Return the LOINC codes of watched sections that differ between two stored versions, in WATCHED order.

    A section added or taken away counts as changed; so does any new line in Recent Major Changes.
    """
    if before is None:
        return []
    return [
        code
        for code in WATCHED
        if (before.get(code) or {}).get("fingerprint") != (after.get(code) or {}).get("fingerprint")
    ]


def read_url(url: str, timeout: float = 30) -> bytes:
    """Fetch a label file over HTTPS, where the network allows (the DailyMed download, for instance)."""
    if not url.startswith("https://"):
        raise LabelError(url, "", "only https:// addresses are fetched")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data = response.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        if isinstance(error, urllib.error.HTTPError):
            error.close()  # it holds the server's answer open
        raise LabelError(url, "", f"could not be fetched ({error})") from None
    if len(data) > MAX_FILE_BYTES:
        raise LabelError(url, "", f"larger than {MAX_FILE_BYTES // 2**20} MB")
    return data
