"""Hostile uploads, built on demand into a folder (no binaries are checked in): each function writes one file
and returns its path; CORPUS lists them with the words their refusal must contain.

    python -m tests.hostile /tmp/hostile      # writes every file there
"""
from __future__ import annotations

import random
import struct
import sys
import zlib
from pathlib import Path

MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
RELS = 'http://schemas.openxmlformats.org/package/2006/relationships'
DOC = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
HEADER = ['订单号', '平台', '货号', '数量']             # shipments' columns: a header the importer recognises


# ---- a small .xlsx writer that can also lie -----------------------------------------------------------------

def _parts(sheet: bytes, strings: bytes | None = None) -> dict[str, bytes]:
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
             'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>')
    root = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    book = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets>'
            f'<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
    links = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" '
             f'Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
             + (f'<Relationship Id="rId2" Type="{DOC}/sharedStrings" Target="sharedStrings.xml"/>' if strings else '')
             + '</Relationships>')
    parts = {'[Content_Types].xml': types.encode(), '_rels/.rels': root.encode(), 'xl/workbook.xml': book.encode(),
             'xl/_rels/workbook.xml.rels': links.encode(), 'xl/worksheets/sheet1.xml': sheet}
    if strings is not None:
        parts['xl/sharedStrings.xml'] = strings
    return parts


def sheet_xml(rows: str, dimension: str | None = None) -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ''
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{dim}<sheetData>{rows}</sheetData>'
            '</worksheet>').encode()


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def header_row(row: int = 1) -> str:
    letters = 'ABCD'
    return f'<row r="{row}">' + ''.join(text_cell(f'{c}{row}', h) for c, h in zip(letters, HEADER)) + '</row>'


def data_row(row: int, order: str = 'H-1') -> str:
    return (f'<row r="{row}">{text_cell(f"A{row}", order)}{text_cell(f"B{row}", "京东")}{text_cell(f"C{row}", "S1")}'
            f'<c r="D{row}"><v>1</v></c></row>')


def write_zip(path: Path, members: dict[str, bytes | tuple[bytes, int, int, int]]) -> Path:
    """A zip written by hand: a member is its bytes (deflated here) or (deflate stream, size, crc, method)
    already packed — so a test can declare sizes that are not true, or store a stream built by repetition."""
    out, directory = bytearray(), bytearray()
    for name, member in members.items():
        if isinstance(member, bytes):
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            member = (packer.compress(member) + packer.flush(), len(member), zlib.crc32(member), 8)
        data, size, crc, method = member
        raw = name.encode()
        local = struct.pack('<IHHHHHIIIHH', 0x04034B50, 20, 0, method, 0, 0x21, crc, len(data), size, len(raw), 0)
        directory += struct.pack('<IHHHHHHIIIHHHHHII', 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(data), size,
                                 len(raw), 0, 0, 0, 0, 0, len(out)) + raw
        out += local + raw + data
    end = struct.pack('<IHHHHIIH', 0x06054B50, 0, 0, len(members), len(members), len(directory), len(out), 0)
    path.write_bytes(bytes(out + directory + end))
    return path


def repeated(block: bytes, times: int, head: bytes = b'', tail: bytes = b'') -> tuple[bytes, int, int, int]:
    """A deflate stream of head + block × times + tail built in milliseconds: the block is packed once after a
    full flush (no reference reaches back across it) and its packed bytes repeated."""
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    start = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    middle = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    end = packer.compress(tail) + packer.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    return start + middle * times + end, len(head) + len(block) * times + len(tail), crc, 8


def _noise(size: int, seed: int = 7) -> bytes:
    """Cells whose text packs about 60:1 (a ratio under the guard's cap): three random letters a row."""
    rng = random.Random(seed)
    rows, length = [], 0
    while length < size:
        row = f'<row r="2"><c r="A2" t="inlineStr"><is><t>{"".join(rng.choices("ab", k=3))}</t></is></c></row>'
        rows.append(row)
        length += len(row)
    return ''.join(rows).encode()


# ---- the corpus ------------------------------------------------------------------------------------------------

def xfd_corner(folder: Path) -> Path:
    """1.6 KB: a cell at A1 and one at XFD1048576 — the reader would allocate 17 billion cells (550 GB)."""
    rows = header_row() + f'<row r="1048576">{text_cell("XFD1048576", "x")}</row>'
    return write_zip(folder / 'xfd-corner.xlsx', _parts(sheet_xml(rows, 'A1:XFD1048576')))


def xfd_no_dimension(folder: Path) -> Path:
    """The same corner cell without a <dimension>: only reading the cells finds it."""
    rows = header_row() + f'<row r="1048576">{text_cell("XFD1048576", "x")}</row>'
    return write_zip(folder / 'xfd-no-dimension.xlsx', _parts(sheet_xml(rows)))


def tall_column(folder: Path) -> Path:
    """A1 and A1048576: a million rows of nothing (+200 MB as read before)."""
    rows = header_row() + f'<row r="1048576">{text_cell("A1048576", "x")}</row>'
    return write_zip(folder / 'tall-column.xlsx', _parts(sheet_xml(rows)))


def lying_dimension(folder: Path) -> Path:
    """<dimension ref="A1:D2"/> while a cell sits at XFD1048576."""
    rows = header_row() + data_row(2) + f'<row r="1048576">{text_cell("XFD1048576", "x")}</row>'
    return write_zip(folder / 'lying-dimension.xlsx', _parts(sheet_xml(rows, 'A1:D2')))


def cells_without_references(folder: Path) -> Path:
    """Cells without r attributes (legal XML): 20,000 of them in one row, counted only by following them."""
    rows = header_row() + '<row>' + '<c t="inlineStr"><is><t>x</t></is></c>' * 20000 + '</row>'
    parts = {**_parts(sheet_xml(rows, 'A1:D2')), 'xl/media/noise.bin': _random(20_000)}
    return write_zip(folder / 'cells-without-references.xlsx', parts)


def prefixed_tall(folder: Path) -> Path:
    """Tags with a namespace prefix (<x:c>), rows without numbers: 300,000 of them, each with a value."""
    body = ('<x:row><x:c r="A1" t="inlineStr"><x:is><x:t>订单号</x:t></x:is></x:c></x:row>'
            + '<x:row><x:c t="n"><x:v>1</x:v></x:c></x:row>' * 300000)
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="{MAIN}"><x:sheetData>{body}'
             '</x:sheetData></x:worksheet>').encode()
    return write_zip(folder / 'prefixed-tall.xlsx', {**_parts(sheet), 'xl/media/noise.bin': _random(200_000)})


def tab_before_reference(folder: Path) -> Path:
    """<c\tr="XFD1048576">: a shape no spreadsheet program writes, which the fast scan does not follow. The
    reader would allocate 550 GB; it runs in its own process under a memory limit, so only that process dies."""
    rows = header_row() + '<row r="1048576"><c\tr="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return write_zip(folder / 'tab-before-reference.xlsx', _parts(sheet_xml(rows)))


def inflates_to_400mb(folder: Path) -> Path:
    """6-7 MB that unpack to ~400 MB, the ratio (60:1) under the guard's cap: a sheet of one column of numbers."""
    block = _noise(4 * 1024 * 1024)
    head = sheet_xml(header_row()).split(b'</sheetData>')[0]
    stream = repeated(block, 95, head, b'</sheetData></worksheet>')       # 380 MB: under the 400 MB total
    parts = {**_parts(b''), 'xl/worksheets/sheet1.xml': stream}
    return write_zip(folder / 'inflates-to-400mb.xlsx', parts)


def lying_part_size(folder: Path) -> Path:
    """A sheet whose directory entry says 1 KB while its stream unpacks to 300 MB (same CRC games aside)."""
    block = _noise(3 * 1024 * 1024, seed=3)
    data, size, crc, method = repeated(block, 100, sheet_xml(header_row()).split(b'</sheetData>')[0],
                                       b'</sheetData></worksheet>')
    parts = {**_parts(b''), 'xl/worksheets/sheet1.xml': (data, 1024, crc, method)}
    return write_zip(folder / 'lying-part-size.xlsx', parts)


def huge_shared_strings(folder: Path) -> Path:
    """A shared-strings part of ~300 MB (one string repeated in many entries), the sheet itself tiny."""
    block = _noise(3 * 1024 * 1024, seed=5).replace(b'<row', b'<si').replace(b'</row>', b'</si>')
    strings = repeated(block, 100, f'<sst xmlns="{MAIN}" count="1" uniqueCount="1">'.encode(), b'</sst>')
    rows = header_row() + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    parts = {**_parts(sheet_xml(rows), b''), 'xl/sharedStrings.xml': strings}
    return write_zip(folder / 'huge-shared-strings.xlsx', parts)


def shared_string_count(folder: Path) -> Path:
    """1 KB declaring a trillion shared strings: the reader reserves room for them first (and dies)."""
    strings = f'<sst xmlns="{MAIN}" count="1" uniqueCount="1000000000000"><si><t>订单号</t></si></sst>'.encode()
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    return write_zip(folder / 'shared-string-count.xlsx', _parts(sheet_xml(rows), strings))


def many_members(folder: Path) -> Path:
    """60,000 empty zip members: the directory alone is work."""
    parts = _parts(sheet_xml(header_row() + data_row(2)))
    parts.update({f'xl/media/m{i}.bin': (b'', 0, 0, 0) for i in range(60000)})
    return write_zip(folder / 'many-members.xlsx', parts)


def too_many_columns_xlsx(folder: Path) -> Path:
    """An honest sheet with 100 columns (the register has about 20)."""
    def row(n: int) -> str:
        return f'<row r="{n}">' + ''.join(text_cell(f'{_col(c)}{n}', f'v{c}') for c in range(1, 101)) + '</row>'
    rows = header_row() + row(2)
    return write_zip(folder / 'too-many-columns.xlsx', _parts(sheet_xml(rows, 'A1:CV2')))


def header_only_xlsx(folder: Path) -> Path:
    return write_zip(folder / 'header-only.xlsx', _parts(sheet_xml(header_row(), 'A1:D1')))


def blank_lines_csv(folder: Path) -> Path:
    """20 MB of empty lines."""
    path = folder / 'blank-lines.csv'
    path.write_bytes(b'\n' * (20 * 1024 * 1024))
    return path


def commas_csv(folder: Path) -> Path:
    """20 MB of lines of commas (a spreadsheet's empty used range saved as CSV)."""
    path = folder / 'commas.csv'
    path.write_bytes(b',,,,,,,,,\n' * (2 * 1024 * 1024))
    return path


def quoted_blanks_csv(folder: Path) -> Path:
    """A header, then 3.5 million rows of empty quoted fields: blank, but not as bytes."""
    path = folder / 'quoted-blanks.csv'
    path.write_bytes(','.join(HEADER).encode() + b'\n' + b'"",""\n' * 3500000)
    return path


def long_line_csv(folder: Path) -> Path:
    """A header and one 20 MB line of one field."""
    path = folder / 'long-line.csv'
    path.write_bytes(','.join(HEADER).encode() + b'\nH-1,' + b'a' * (20 * 1024 * 1024) + b'\n')
    return path


def wide_line_csv(folder: Path) -> Path:
    """A header and one line of 2 million one-letter fields."""
    path = folder / 'wide-line.csv'
    path.write_bytes(','.join(HEADER).encode() + b'\n' + b'a,' * 2000000 + b'a\n')
    return path


def too_many_columns_csv(folder: Path) -> Path:
    path = folder / 'too-many-columns.csv'
    path.write_text(','.join(HEADER + [f'c{i}' for i in range(96)]) + '\n' + ','.join(['x'] * 100) + '\n',
                    encoding='utf-8')
    return path


def header_only_csv(folder: Path) -> Path:
    path = folder / 'header-only.csv'
    path.write_text(','.join(HEADER) + '\n\n,,,\n', encoding='utf-8')
    return path


def too_many_rows_csv(folder: Path) -> Path:
    """A header and 250,000 small rows (about 4 MB): more than the 200,000-row limit."""
    path = folder / 'too-many-rows.csv'
    path.write_bytes(','.join(HEADER).encode() + b'\n' + b'H-1,J,S1,1\n' * 250000)
    return path


def blank_run_csv(folder: Path) -> Path:
    """Data, 50,000 blank (quoted) rows, more data."""
    path = folder / 'blank-run.csv'
    path.write_bytes(','.join(HEADER).encode() + b'\nH-1,J,S1,1\n' + b'"",""\n' * 50000 + b'H-2,J,S2,1\n')
    return path


def utf16_csv(folder: Path) -> Path:
    """Excel's "Unicode text": UTF-16 with tabs — not a CSV this portal reads."""
    path = folder / 'utf16.csv'
    path.write_bytes('\t'.join(HEADER).encode('utf-16') + '\nH-1\t京东\tS1\t1\n'.encode('utf-16-le'))
    return path


def long_cell_csv(folder: Path) -> Path:
    """A header and a row whose one field holds 100,000 characters (an Excel cell holds 32,767)."""
    path = folder / 'long-cell.csv'
    path.write_bytes(','.join(HEADER).encode() + b'\nH-1,' + b'a' * 100000 + b',S1,1\n')
    return path


def _random(size: int) -> bytes:
    """Incompressible bytes that keep a file's overall packing ratio under the guard's cap."""
    return random.Random(1).randbytes(size)


def _col(n: int) -> str:
    letters = ''
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# builder, words the refusal must contain (zh)
CORPUS = [
    (xfd_corner, 'XFD1048576'), (xfd_no_dimension, 'XFD1048576'), (tall_column, 'A1048576'),
    (lying_dimension, 'XFD1048576'), (cells_without_references, '超出导入上限'), (prefixed_tall, '超出导入上限'),
    (tab_before_reference, '内存或时间超出上限'),
    (inflates_to_400mb, '解压后超过'), (lying_part_size, '文件已损坏'), (huge_shared_strings, '解压后超过'),
    (shared_string_count, '共享文字表异常'), (many_members, '压缩炸弹'), (too_many_columns_xlsx, '超出导入上限'),
    (header_only_xlsx, '没有数据行'), (blank_lines_csv, '没有任何内容'), (commas_csv, '没有任何内容'),
    (quoted_blanks_csv, '200,000 行'), (long_line_csv, '太长'), (wide_line_csv, '太长'), (long_cell_csv, '32,767'),
    (too_many_columns_csv, '导入上限 36 列'), (header_only_csv, '没有数据行'), (too_many_rows_csv, '200,000 行'),
    (blank_run_csv, '连续 50,000 行空白'), (utf16_csv, '文字编码'),
]


def build_all(folder: Path) -> list[tuple[Path, str]]:
    folder.mkdir(parents=True, exist_ok=True)
    return [(build(folder), words) for build, words in CORPUS]


if __name__ == '__main__':
    for path, _ in build_all(Path(sys.argv[1] if len(sys.argv) > 1 else 'hostile')):
        print(f'{path.stat().st_size:>12,}  {path}')
