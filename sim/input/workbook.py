"""An XLSX workbook's cell values, read at the input boundary: streamed, capped, DTDs and entities refused.

openpyxl writes the template; it does not read uploads, because its reader cannot be bounded: it trusts a sheet's
declared dimension (a sheet declaring ``A1:F2`` reads two rows, whatever it holds), builds a whole row before
handing it over (a header row of two million empty cells costs about 620 MiB) and parses the styles part whole.
This reader streams the parts it needs (the list of sheets, the shared strings, the wanted sheets) through
defusedxml's expat parser, which refuses DTDs, entity declarations and external references; counts every element
as it goes, so declared dimensions are never trusted and a part stops being read at its cap; reads each sheet's
real extent; and turns every problem into one line naming the sheet, row and column (or the part and its line
where there is no cell yet). Cells are read as values: a formula's cached result, never the formula.
"""

from __future__ import annotations

import lzma
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterable
from typing import IO, Any
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler, feature_namespaces

from defusedxml import DefusedXmlException
from defusedxml.expatreader import DefusedExpatParser

from sim.i18n import N_, Message
from sim.input.errors import ScenarioError, clean, show

#: Elements read from one part (the list of sheets, its relationships, the shared strings, one sheet).
MAX_ELEMENTS = 100_000
#: Cells in one sheet, empty ones included (a filled-in template has a few hundred).
MAX_CELLS = 20_000
#: Characters of one cell's text or one shared string.
MAX_TEXT_CHARS = 10_000
#: Columns read from a row (later ones are ignored, as a template has at most seven).
MAX_COLUMNS = 20

#: What reading a damaged ZIP member raises: zipfile's own errors, a broken deflate or LZMA stream (bzip2's is an
#: OSError), a member cut short, a name that does not decode, a compression method zipfile does not know.
UNPACK_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
)

MAIN = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")

Rows = list[list[Any]]


class _Stop(Exception):
    """Raised inside a parse to end it with a problem (a ScenarioError) or early (``None``: done)."""

    def __init__(self, error: ScenarioError | None = None):
        super().__init__()
        self.error = error


class _Where:
    """Where a sheet's parse is: for messages naming the sheet, row and column."""

    def __init__(self, source: str, sheet: str):
        self.source, self.sheet = source, sheet
        self.row, self.column = 0, 0

    def error(self, problem: Message) -> ScenarioError:
        if self.row and self.column:
            return ScenarioError(
                Message(
                    N_("{source}: sheet {sheet}, row {row}, column {column}: {problem}"),
                    source=self.source,
                    sheet=self.sheet,
                    row=self.row,
                    column=column_letters(self.column),
                    problem=problem,
                )
            )
        if self.row:
            return ScenarioError(
                Message(
                    N_("{source}: sheet {sheet}, row {row}: {problem}"),
                    source=self.source,
                    sheet=self.sheet,
                    row=self.row,
                    problem=problem,
                )
            )
        return ScenarioError(
            Message(N_("{source}: sheet {sheet}: {problem}"), source=self.source, sheet=self.sheet, problem=problem)
        )


def column_letters(index: int) -> str:
    """1 -> ``A``, 27 -> ``AA``: a column as the spreadsheet names it."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - ord("A") + 1
    return index


class _Handler(ContentHandler):
    """Counts elements and collects text; subclasses say what an element means."""

    def __init__(self, where: _Where):
        super().__init__()
        self.where = where
        self.elements = 0
        self.text: list[str] | None = None  # collecting the text of the current element
        self.chars = 0

    def startElementNS(self, name, qname, attrs) -> None:
        self.elements += 1
        if self.elements > MAX_ELEMENTS:
            raise _Stop(
                self.where.error(
                    Message(
                        N_("more than {most} XML elements; a template's sheet has a few thousand"), most=MAX_ELEMENTS
                    )
                )
            )
        self.start(name[1], {k[1]: v for k, v in attrs.items()})

    def endElementNS(self, name, qname) -> None:
        self.end(name[1])

    def characters(self, content: str) -> None:
        if self.text is not None:
            self.chars += len(content)
            if self.chars > MAX_TEXT_CHARS:
                raise _Stop(self.where.error(Message(N_("a text longer than {most} characters"), most=MAX_TEXT_CHARS)))
            self.text.append(content)

    def collect(self) -> None:
        self.text, self.chars = [], 0

    def collected(self) -> str:
        text = "".join(self.text or [])
        self.text = None
        return text

    def start(self, name: str, attrs: dict[str, str]) -> None:
        pass

    def end(self, name: str) -> None:
        pass


class MemberError(Exception):
    """A ZIP member that cannot be read, and why (a :class:`~sim.i18n.Message`)."""

    def __init__(self, problem: Message):
        super().__init__(str(problem))
        self.problem = problem


def open_member(zf: zipfile.ZipFile, member: str | zipfile.ZipInfo) -> IO[bytes]:
    """``member`` of ``zf`` opened for reading; a :class:`MemberError` when it is encrypted (zipfile would ask for
    a password with a RuntimeError). Reading it may raise any of :data:`UNPACK_ERRORS`."""
    info = member if isinstance(member, zipfile.ZipInfo) else zf.getinfo(member)
    if info.flag_bits & 0x1:
        raise MemberError(
            Message(
                N_("{part} is encrypted (protected by a password); save the file again without a password"),
                part=clean(info.filename)[:80],
            )
        )
    return zf.open(info)


def _parse(zf: zipfile.ZipFile, part: str, handler: _Handler) -> None:
    """Stream ``part`` of the workbook through ``handler``; DTDs, entities and external references are refused."""
    parser = DefusedExpatParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    parser.setFeature(feature_namespaces, True)
    parser.setContentHandler(handler)
    where = handler.where
    try:
        with open_member(zf, part) as stream:
            parser.parse(stream)
    except _Stop as stop:
        if stop.error is not None:
            raise stop.error from None
    except DefusedXmlException:
        raise where.error(
            Message(N_("the XML declares a DTD or entities, which a spreadsheet never needs; refused"))
        ) from None
    except SAXParseException as exc:
        raise where.error(
            Message(
                N_(
                    "damaged XML {after}(line {line}, column {column} of {part}: {problem}); save the file again "
                    "as .xlsx"
                ),
                after=Message(N_("after this cell ")) if where.column else "",
                part=clean(part)[:80],
                line=exc.getLineNumber(),
                column=exc.getColumnNumber(),
                problem=clean(exc.getMessage())[:80],
            )
        ) from None
    except MemberError as exc:
        raise where.error(exc.problem) from None
    except UNPACK_ERRORS:
        raise where.error(
            Message(N_("{part} cannot be unpacked; save the file again as .xlsx"), part=clean(part)[:80])
        ) from None


class _Relations(_Handler):
    def __init__(self, where: _Where):
        super().__init__(where)
        self.targets: dict[str, tuple[str, str]] = {}  # id -> (type, target)

    def start(self, name, attrs):
        if name == "Relationship" and "Id" in attrs:
            self.targets[attrs["Id"]] = (attrs.get("Type", ""), attrs.get("Target", ""))


class _Sheets(_Handler):
    def __init__(self, where: _Where):
        super().__init__(where)
        self.sheets: list[tuple[str, str]] = []  # (name, relationship id)

    def start(self, name, attrs):
        if name == "sheet":
            self.sheets.append((attrs.get("name", ""), attrs.get("id", "")))


class _SharedStrings(_Handler):
    """The workbook's shared strings: each ``si``'s text runs, phonetic hints left out."""

    def __init__(self, where: _Where):
        super().__init__(where)
        self.strings: list[str] = []
        self.parts: list[str] = []
        self.phonetic = 0

    def start(self, name, attrs):
        if name == "si":
            self.parts = []
        elif name == "rPh":
            self.phonetic += 1
        elif name == "t" and not self.phonetic:
            self.collect()

    def end(self, name):
        if name == "t" and self.text is not None:
            self.parts.append(self.collected())
        elif name == "rPh":
            self.phonetic -= 1
        elif name == "si":
            self.strings.append("".join(self.parts))


class _Sheet(_Handler):
    """One sheet's values by row and column, read to its real extent (its declared dimension is ignored)."""

    def __init__(self, where: _Where, strings: list[str], max_rows: int):
        super().__init__(where)
        self.strings, self.max_rows = strings, max_rows
        self.values: dict[int, dict[int, Any]] = {}
        self.cells = 0
        self.kind = ""
        self.value: str | None = None
        self.inline: list[str] = []
        self.in_inline = False

    def start(self, name, attrs):
        where = self.where
        if name == "row":
            where.row = self._number(attrs.get("r"), where.row + 1)
            where.column = 0
        elif name == "c":
            self.cells += 1
            if self.cells > MAX_CELLS:
                raise _Stop(where.error(Message(N_("more than {most} cells, empty ones included"), most=MAX_CELLS)))
            ref = attrs.get("r")
            if ref is None:
                where.column += 1
            else:
                match = _CELL_REF.fullmatch(ref)
                if match is None:
                    where.column += 1
                    raise _Stop(where.error(Message(N_("a cell named {ref}; save the file again"), ref=show(ref))))
                where.column = _column_index(match[1])
                where.row = int(match[2])
            self.kind, self.value, self.inline = attrs.get("t", "n"), None, []
        elif name == "v":
            self.collect()
        elif name == "is":
            self.in_inline = True
        elif name == "t" and self.in_inline:
            self.collect()

    def end(self, name):
        if name == "v" and self.text is not None:
            self.value = self.collected()
        elif name == "t" and self.in_inline and self.text is not None:
            self.inline.append(self.collected())
        elif name == "is":
            self.in_inline = False
        elif name == "c":
            self._keep(self._cell_value())

    def _number(self, text: str | None, default: int) -> int:
        if text is None:
            return default
        if not text.isdigit() or len(text) > 7:
            raise _Stop(self.where.error(Message(N_("a row numbered {row}; save the file again"), row=show(text))))
        return int(text)

    def _cell_value(self) -> Any:
        kind, value = self.kind, self.value
        if kind == "inlineStr":
            return "".join(self.inline)
        if value is None:
            return None
        if kind == "s":
            if not value.strip().isdigit() or int(value) >= len(self.strings):
                raise _Stop(
                    self.where.error(
                        Message(
                            N_("shared string {index} does not exist (the workbook has {count}); save the file again"),
                            index=show(value, 20),
                            count=len(self.strings),
                        )
                    )
                )
            return self.strings[int(value)]
        if kind == "b":
            if value.strip() not in ("0", "1"):
                raise _Stop(self.where.error(Message(N_("a yes/no cell holding {value}"), value=show(value, 20))))
            return value.strip() == "1"
        if kind in ("str", "e", "d"):  # a formula's text, an error such as #N/A, a date as text
            return value
        try:
            return float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            raise _Stop(self.where.error(Message(N_("a number cell holding {value}"), value=show(value, 20)))) from None

    def _keep(self, value: Any) -> None:
        where = self.where
        if value is None or (isinstance(value, str) and not value.strip()):
            return
        if where.row > self.max_rows:
            raise _Stop(where.error(Message(N_("more than {most} rows"), most=self.max_rows - 1)))
        if where.column <= MAX_COLUMNS:
            self.values.setdefault(where.row, {})[where.column] = value

    def rows(self) -> Rows:
        """Rows 1..the last with a value, each as long as its last value (``None`` where a cell is empty)."""
        last = max(self.values, default=0)
        return [
            [cells.get(c) for c in range(1, max(cells, default=0) + 1)]
            for cells in (self.values.get(r, {}) for r in range(1, last + 1))
        ]


def read_sheets(zf: zipfile.ZipFile, source: str, wanted: Iterable[str], max_rows: int) -> dict[str, Rows]:
    """Sheet name (lower case, as in ``wanted``) -> its rows of values, for the workbook's sheets whose names are
    in ``wanted`` (other sheets are not read). A sheet with a value below row ``max_rows`` is refused."""
    wanted = set(wanted)
    top = _Where(source, "(workbook)")
    names = set(zf.namelist())
    workbook = "xl/workbook.xml"
    if "_rels/.rels" in names:
        rels = _Relations(top)
        _parse(zf, "_rels/.rels", rels)
        workbook = next((_part("", t) for kind, t in rels.targets.values() if kind == MAIN), workbook)
    if workbook not in names:
        raise ScenarioError(
            Message(N_("{source}: not a readable .xlsx workbook (save it again as .xlsx)"), source=source)
        )
    sheets = _Sheets(top)
    _parse(zf, workbook, sheets)
    folder = posixpath.dirname(workbook)
    relations = posixpath.join(folder, "_rels", posixpath.basename(workbook) + ".rels")
    targets: dict[str, tuple[str, str]] = {}
    if relations in names:
        rels = _Relations(top)
        _parse(zf, relations, rels)
        targets = rels.targets
    strings: list[str] = []
    shared = next((_part(folder, t) for kind, t in targets.values() if kind.endswith("/sharedStrings")), None)
    if shared is not None and shared in names:
        reader = _SharedStrings(_Where(source, "(shared strings)"))
        _parse(zf, shared, reader)
        strings = reader.strings
    out: dict[str, Rows] = {}
    for name, rid in sheets.sheets:
        key = name.strip().lower()
        if key not in wanted or key in out:
            continue
        part = _part(folder, targets.get(rid, ("", ""))[1])
        where = _Where(source, show(name, 40) if not name.isprintable() else name)
        if part not in names:
            raise where.error(Message(N_("its part is missing from the file; save the file again as .xlsx")))
        sheet = _Sheet(where, strings, max_rows)
        _parse(zf, part, sheet)
        out[key] = sheet.rows()
    return out


def _part(folder: str, target: str) -> str:
    """A relationship's target as a member name of the ZIP (absolute ``/xl/...`` or relative to ``folder``)."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(folder, target))
