"""An .xlsx checked before a parser allocates: what its parts really unpack to, the sheet's extent, its strings."""
from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from pathlib import Path
from typing import Callable, Iterator

from defusedxml import ElementTree

from ..errors import PortalError
from . import guard
from .limits import Limits

SMALL_PART_MB = 16           # workbook.xml and the relationship files are parsed whole: they must stay small
READ = 1 << 18
MAX_TAG = 1 << 16            # a sheet's tags are short; longer ones are not from a spreadsheet program
Chunks = Callable[[], Iterator[bytes]]


def verify(path: Path, limits: Limits) -> None:
    """Refuse (PortalError) an .xlsx whose first sheet, shared strings or any part would cost more than the
    limits allow. Every part a reader opens is unpacked here once, in bounded pieces: its real size, not the
    size the zip claims, is held to `limits.max_part_mb`."""
    members = guard.check_zip(path, limits.max_part_mb)
    by_name = {m.filename.lower().replace('\\', '/'): m for m in members}
    sheet = by_name.get(_first_sheet(path, by_name))
    if sheet is None:
        raise PortalError('file.corrupt', detail='first sheet missing')
    cap = limits.max_part_mb * 1024 * 1024
    for name, member in by_name.items():
        if name.startswith('xl/worksheets/') and member is not sheet:
            continue                              # other sheets are never opened
        if name == 'xl/sharedstrings.xml':
            _check_strings(_pieces(inflate(path, member, cap)), limits)
        elif member is sheet:
            scan_sheet(lambda: inflate(path, sheet, cap), limits)
        else:
            for _ in inflate(path, member, cap):
                pass


def inflate(path: Path, member: zipfile.ZipInfo, cap: int) -> Iterator[bytes]:
    """A part's bytes as they really unpack, in pieces, refused beyond `cap` bytes; the size and CRC the
    directory states must match what came out (a lying directory is a damaged file)."""
    with open(path, 'rb') as f:
        f.seek(member.header_offset)
        head = f.read(30)
        if len(head) < 30 or head[:4] != b'PK\x03\x04':
            raise PortalError('file.corrupt', detail=f'{member.filename}: no local header')
        f.seek(int.from_bytes(head[26:28], 'little') + int.from_bytes(head[28:30], 'little'), 1)
        unpack = zlib.decompressobj(-15) if member.compress_type == zipfile.ZIP_DEFLATED else None
        left, total, crc = member.compress_size, 0, 0
        while left > 0:
            raw = f.read(min(left, READ))
            if not raw:
                raise PortalError('file.corrupt', detail=f'{member.filename}: truncated')
            left -= len(raw)
            while raw:
                piece, raw = (unpack.decompress(raw, READ * 4), unpack.unconsumed_tail) if unpack else (raw, b'')
                total += len(piece)
                if total > cap:
                    raise PortalError('file.part_too_big', part=member.filename, limit_mb=cap // (1024 * 1024))
                if total > member.file_size:
                    raise PortalError('file.corrupt', detail=f'{member.filename}: larger than the directory says')
                crc = zlib.crc32(piece, crc)
                yield piece
        rest = unpack.flush() if unpack is not None else b''
        total += len(rest)
        if total > cap:
            raise PortalError('file.part_too_big', part=member.filename, limit_mb=cap // (1024 * 1024))
        crc = zlib.crc32(rest, crc)
        if rest:
            yield rest
        if unpack is not None and not unpack.eof:
            raise PortalError('file.corrupt', detail=f'{member.filename}: unfinished deflate stream')
    if total != member.file_size or crc != member.CRC:
        raise PortalError('file.corrupt', detail=f'{member.filename}: size or CRC differ from the directory')


def _first_sheet(path: Path, by_name: dict[str, zipfile.ZipInfo]) -> str:
    """The part name of the workbook's first sheet, found the way the reader finds it (workbook.xml's first
    <sheet>, its relationship's target), lower-cased."""
    def xml(name: str):
        member = by_name.get(name)
        if member is None:
            raise PortalError('file.corrupt', detail=f'{name} missing')
        return ElementTree.fromstring(b''.join(inflate(path, member, SMALL_PART_MB * 1024 * 1024)))
    try:
        office = [r.get('Target', '') for r in xml('_rels/.rels') if r.get('Type', '').endswith('/officeDocument')]
        if [posixpath.normpath(t.lstrip('/')).lower() for t in office[:1]] != ['xl/workbook.xml']:
            raise PortalError('file.corrupt', detail='workbook not at xl/workbook.xml')
        sheet = next((e for e in xml('xl/workbook.xml').iter() if _local(e.tag) == 'sheet'), None)
        ids = {v for k, v in (sheet.attrib.items() if sheet is not None else ()) if _local(k) == 'id'}
        rel_id = ids.pop() if len(ids) == 1 else None
        target = next((r.get('Target', '') for r in xml('xl/_rels/workbook.xml.rels') if r.get('Id') == rel_id), None)
    except ElementTree.ParseError as exc:
        raise PortalError('file.corrupt', detail=str(exc)[:120]) from exc
    except ValueError as exc:      # defusedxml refuses DTDs, entities, external references
        raise PortalError('file.corrupt', detail=type(exc).__name__) from exc
    if not target:
        raise PortalError('file.corrupt', detail='no first sheet')
    name = target[1:] if target.startswith('/') else f'xl/{target}'
    return posixpath.normpath(name).lower()


def _local(tag: str) -> str:
    return tag.rsplit('}', 1)[-1].rsplit(':', 1)[-1]


def _check_strings(pieces: Iterator[bytes], limits: Limits) -> None:
    """A reader reserves room for the count the table declares: it must not claim more than it holds, nor
    hold more strings than the sheet could have cells."""
    declared, found, head = 0, 0, b''
    for chunk in pieces:
        if len(head) < 4096:
            head += chunk[:4096]
            match = re.search(rb'\suniqueCount\s*=\s*["\']\s*([0-9]+)', head)
            declared = int(match.group(1)) if match else declared
        found += sum(chunk.count(tag) for tag in (b'<si>', b'<si ', b'<si/', b':si>', b':si ', b':si/'))
    limit = limits.max_sheet_rows * limits.max_columns
    if declared > found + 16 or found > limit:
        raise PortalError('file.strings', declared=max(declared, found), limit=limit)


def scan_sheet(chunks: Chunks, limits: Limits) -> None:
    """Refuse a sheet whose declared dimension or whose cells with a value reach beyond the limits. The
    common shape (every cell written as <c r="A1" …>) is checked with byte counts and one regular
    expression per piece; anything else is followed tag by tag, as the reader follows it."""
    if not _fast(_pieces(chunks()), limits):
        _exact(_pieces(chunks()), limits)


def _pieces(raw: Iterator[bytes]) -> Iterator[bytes]:
    """The XML in pieces that never split a tag: a piece ends after a complete tag (text holds no '<') or
    just before one that goes on in the next chunk."""
    tail = b''
    for chunk in raw:
        data = tail + chunk
        cut = data.rfind(b'<')
        if cut == -1 or COMPLETE.match(data, cut):
            yield data
            tail = b''
        elif len(data) - cut > MAX_TAG:
            raise PortalError('file.corrupt', detail='a tag longer than 64 KB')
        else:
            yield data[:cut]
            tail = data[cut:]
    if tail:
        yield tail


COMPLETE = re.compile(rb'<(?:[^<>"\']|"[^"]*"|\'[^\']*\')*>')


def _fast(pieces: Iterator[bytes], limits: Limits) -> bool:
    """False when the sheet is not in the common shape (then it is scanned tag by tag). Shapes no spreadsheet
    program writes (a tab inside the cell tag, a second r attribute) may pass here unchecked: what they would
    cost is bounded by the reading process's memory and time limits, not by this scan."""
    beyond = _beyond(limits)
    head = True
    for piece in pieces:
        if head:
            _dimension(piece, limits)
            head = b'sheetData' not in piece
        if piece.count(b'<c ') + piece.count(b'<c>') != piece.count(b'<c r="') or PREFIXED_CELL.search(piece):
            return False
        for found in beyond.finditer(piece):
            if piece[found.end():piece.find(b'>', found.end())].endswith(b'/'):
                continue                  # <c r="…"/>: an empty cell, which the reader skips
            _refuse(found.group(1).decode('ascii'), limits)
    return True


def _exact(pieces: Iterator[bytes], limits: Limits) -> None:
    """Row and column of every cell with content, kept the way the reader keeps them: a <row r> sets the row,
    a </row> moves to the next; a <c r> sets the cell, a <c> without one takes the next column."""
    state = {'row': 0, 'col': 0, 'cells': 0, 'open': None, 'data': False}
    for piece in pieces:
        _dimension(piece, limits)
        start = piece.find(b'<sheetData')
        state['data'] = state['data'] or start >= 0
        if state['data'] and b'<!' in piece[max(start, 0):]:
            raise PortalError('file.corrupt', detail='comments or CDATA in the sheet data')
        last = 0
        for tag in TAG.finditer(piece):
            closing, name, attrs = tag.groups()
            if name == b'row':
                _row_tag(state, closing, attrs)
            elif closing:
                if state['open'] is not None and b'<' in piece[last:tag.start()]:
                    _check_cell(*state['open'], limits)
                state['open'], state['col'] = None, state['col'] + 1
            else:
                _cell_tag(state, attrs, limits)
                last = tag.end()
        if state['open'] is not None:     # a cell that goes on in the next piece: taken as holding a value
            _check_cell(*state['open'], limits)


def _row_tag(state: dict, closing: bytes, attrs: bytes) -> None:
    if closing:
        state['row'], state['col'] = state['row'] + 1, 0
        return
    ref = _attr(attrs, b'r')
    if ref is not None:
        state['row'] = _ref(ref)[0] - 1
    if attrs.endswith(b'/'):
        state['row'], state['col'] = state['row'] + 1, 0


def _cell_tag(state: dict, attrs: bytes, limits: Limits) -> None:
    ref = _attr(attrs, b'r')
    if ref is None:
        position = (state['row'], state['col'])
    else:
        row, column = _ref(ref)
        if not column:
            raise PortalError('file.corrupt', detail=f'cell reference {ref[:20]!r}')
        position = (row - 1, column - 1)
    state['col'] = position[1]
    state['cells'] += 1
    if state['cells'] > limits.max_sheet_rows * limits.max_columns:
        _refuse(_name(*position), limits)
    if attrs.endswith(b'/'):
        state['col'] += 1
    else:
        state['open'] = position


PREFIXED_CELL = re.compile(rb':c[\s/>]')
TAG = re.compile(rb'<(/?)(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])((?:[^<>"\']|"[^"]*"|\'[^\']*\')*)>')
ATTR = re.compile(rb'(?:^|\s)([\w.:-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


def _attr(attrs: bytes, name: bytes) -> bytes | None:
    if name not in attrs:
        return None
    values = [m.group(2) if m.group(2) is not None else m.group(3) for m in ATTR.finditer(attrs)
              if m.group(1) == name]
    if len(values) > 1:
        raise PortalError('file.corrupt', detail='an attribute given twice')
    return values[0] if values else None


def _ref(ref: bytes) -> tuple[int, int]:
    """(row, column), 1-based, of a reference such as b'XFD1048576' (column 0 when it names none)."""
    match = re.fullmatch(rb'\s*([A-Za-z]{0,12})0*([0-9]{1,15})\s*', ref)
    if match is None or int(match.group(2)) == 0:
        raise PortalError('file.corrupt', detail=f'cell reference {ref[:20]!r}')
    column = 0
    for letter in match.group(1).upper():
        column = column * 26 + letter - 64
    return int(match.group(2)), column


def _check_cell(row: int, col: int, limits: Limits) -> None:
    if row + 1 > limits.max_sheet_rows or col + 1 > limits.max_columns:
        _refuse(_name(row, col), limits)


def _name(row: int, col: int) -> str:
    return ''.join(chr(64 + d) for d in _letters(col + 1)) + str(row + 1)


def _refuse(cell: str, limits: Limits) -> None:
    row, column = _ref(cell.encode('ascii'))
    raise PortalError('file.sheet_too_big', cell=cell.upper(), rows=row, columns=column, max_rows=limits.max_rows,
                      max_columns=limits.max_columns)


def _dimension(piece: bytes, limits: Limits) -> None:
    """The extent the sheet declares (<dimension ref="A1:XFD1048576"/>): refused at once when too large."""
    found = DIMENSION.search(piece)
    if found:
        row, column = _ref(found.group(1).split(b':')[-1])
        if row > limits.max_sheet_rows or column > limits.max_columns:
            _refuse(found.group(1).split(b':')[-1].strip().decode('ascii'), limits)


DIMENSION = re.compile(rb'<(?:[\w.-]+:)?dimension\s[^<>]*?\bref\s*=\s*["\']([A-Za-z]*[0-9]+(?::[A-Za-z]*[0-9]+)?)')


def _beyond(limits: Limits) -> re.Pattern:
    """A pattern for a cell whose reference lies beyond the limits (whether it holds a value is looked at
    after a match: a sheet within the limits never matches, so that costs nothing)."""
    columns = _above(_letters(limits.max_columns), 26)
    rows = _above([int(d) for d in str(limits.max_sheet_rows)], 10)
    return re.compile(rb'<c r="((?:%s)[0-9]++|[A-Za-z]++0*+(?:%s))"' % (columns, rows))


def _letters(column: int) -> list[int]:
    digits = []
    while column:
        column, rest = divmod(column - 1, 26)
        digits.insert(0, rest + 1)
    return digits


def _above(digits: list[int], base: int) -> bytes:
    """Alternatives matching every numeral greater than `digits` (most significant first): decimal (0-9), or
    column letters (A=1 … Z=26, either case). Longer numerals, or equal length with a larger digit after a
    common prefix."""
    decimal = base == 10
    anything = b'[0-9]' if decimal else b'[A-Za-z]'
    lead, top = (b'[1-9]', 9) if decimal else (anything, 26)

    def symbol(d: int) -> bytes:
        return b'%d' % d if decimal else b'[%c%c]' % (64 + d, 96 + d)

    def since(d: int) -> bytes:
        return b'[%d-9]' % d if decimal else b'[%c-Z%c-z]' % (64 + d, 96 + d)
    alternatives = [lead + anything + b'{%d,}+' % len(digits)]
    for i, digit in enumerate(digits):
        if digit < top:
            rest = len(digits) - i - 1
            alternatives.append(b''.join(symbol(d) for d in digits[:i]) + since(digit + 1)
                                + (anything + b'{%d}' % rest if rest else b''))
    return b'|'.join(alternatives)
