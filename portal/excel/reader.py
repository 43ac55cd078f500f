"""Rows of an uploaded .xlsx or CSV within the limits, read in the process that sandbox.py starts for it."""
from __future__ import annotations

import csv
import gc
import io
import json
import pickle
import resource
import struct
import sys
from pathlib import Path
from typing import Any, Iterator

from ..errors import PortalError
from . import (
    guard,  # noqa: F401  (its messages: the portal renders what this process refuses with)
    sheetscan,
)
from .limits import Limits

BATCH = 2000                  # rows per message to the portal
CSV_BLANK = ' \t\r\n,'        # what is left of blank rows at the end of a CSV file
FORMULA_START = ('=', '+', '-', '@', '\t', '\r')     # = export.FORMULA_START (that module is the portal's whole)
Row = tuple[int, list[Any]]


def rows(path: Path, kind: str, limits: Limits) -> Iterator[Row]:
    """(row number, cells) of every row with content of the first sheet, left to right from column A. Refuses
    (PortalError) a file beyond the limits: too many rows, too wide, a long run of blank rows with content
    after it, an overlong line or cell."""
    return _bounded(_csv_rows(path, limits) if kind == 'csv' else _xlsx_rows(path, limits), limits)


def _bounded(source: Iterator[Row], limits: Limits) -> Iterator[Row]:
    blank = run = 0
    for number, cells in source:
        if number > limits.max_sheet_rows:
            raise PortalError('file.too_many_rows', max_rows=limits.max_rows, row=number, blank=blank)
        width = len(cells)
        while width and _blank(cells[width - 1]):     # (a row rarely ends blank: this is cheap per row)
            width -= 1
        if not width:
            blank, run = blank + 1, run + 1
            continue
        if run > limits.max_blank_run:
            raise PortalError('file.blank_run', row=number - run, count=run, max_blank=limits.max_blank_run)
        run = 0
        if width > limits.max_columns:
            raise PortalError('file.too_wide', row=number, column=width, max_columns=limits.max_columns)
        yield number, cells if width == len(cells) else cells[:width]


def _blank(value: Any) -> bool:
    return value is None or (value.__class__ is str and (not value or value.isspace()))


def decode_csv(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM), else GB18030 (a superset of GBK)."""
    for encoding in ('utf-8-sig', 'gb18030'):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PortalError('file.encoding')


def _csv_rows(path: Path, limits: Limits) -> Iterator[Row]:
    text = _without_blank_end(decode_csv(path.read_bytes()))      # trailing blank lines cost nothing
    if '\x00' in text:
        raise PortalError('file.encoding')                    # UTF-16 ("Unicode text") read as GB18030
    previous = csv.field_size_limit(limits.max_cell_chars)
    reader = csv.reader(_lines(text, limits))
    guarded = any(f"'{start}" in text for start in FORMULA_START)     # most files have no '= to take off
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, [unguarded(cell) for cell in cells] if guarded else cells
    except csv.Error as exc:
        if 'field larger' in str(exc):
            raise PortalError('file.cell_too_long', row=reader.line_num, max_chars=limits.max_cell_chars) from exc
        raise PortalError('file.corrupt', detail=f'CSV line {reader.line_num}: {exc}') from exc
    finally:
        csv.field_size_limit(previous)


def _without_blank_end(text: str) -> str:
    """The text up to the end of its last line with content (blank lines and lines of commas after it go)."""
    content = len(text.rstrip(CSV_BLANK))
    end = text.find('\n', content)
    return text[:content] if not content else text[:len(text) if end < 0 else end + 1]


def unguarded(cell: str) -> str:
    """The value behind the apostrophe that CSV exports put before text a spreadsheet would run as a formula
    ('=…, '+…, '-…, '@…): a CSV exported here comes back unchanged."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_START else cell


def _lines(text: str, limits: Limits) -> Iterator[str]:
    for number, line in enumerate(io.StringIO(text, newline=''), start=1):
        if len(line) > limits.max_line_chars:
            raise PortalError('file.line_too_long', row=number, max_chars=limits.max_line_chars)
        yield line


def _xlsx_rows(path: Path, limits: Limits) -> Iterator[Row]:
    from python_calamine import CalamineWorkbook

    sheetscan.verify(path, limits)        # before the parser allocates the sheet's rectangle
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        pad = [''] * ((sheet.start or (0, 0))[1])       # rows come from the first used column: put them at A
        # iter_rows yields from row 1 (empty rows above the first used one included): numbers are positions;
        # formula cells give their cached values, never evaluated
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            yield number, pad + cells if pad else cells
    except PortalError:
        raise
    except Exception as exc:   # calamine raises its own error types for broken files
        raise PortalError('file.corrupt', detail=str(exc)[:120]) from exc


def main(argv: list[str]) -> int:
    """The reading process: limits its own memory and CPU time, reads the whole file, and only then writes
    length-prefixed pickled messages to stdout — ('rows', [(number, cells), …]) batches and ('done', count) —
    or ('refused', key, params): a refused file costs the portal nothing."""
    request = json.loads(argv[0])
    limits = Limits(**request['limits'])
    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(limits.seconds) + 5
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    gc.disable()          # a short life building a million objects without cycles: collecting would cost 0.2 s
    out = sys.stdout.buffer
    try:
        table = list(rows(Path(request['path']), request['kind'], limits))
        messages = [_pack(('rows', table[i:i + BATCH])) for i in range(0, len(table), BATCH)]
        if sum(map(len, messages)) > limits.max_text_mb * 1024 * 1024:
            raise PortalError('file.too_much_text', limit_mb=limits.max_text_mb)
        messages.append(_pack(('done', len(table))))
    except PortalError as exc:
        messages = [_pack(('refused', exc.key, exc.params))]
    except MemoryError:
        messages = [_pack(('refused', 'file.unreadable', {'memory_mb': limits.memory_mb, 'seconds': limits.seconds}))]
    except Exception as exc:      # a damaged file can fail in many ways; none of them is the user's fault to read
        messages = [_pack(('refused', 'file.corrupt', {'detail': f'{type(exc).__name__}: {exc}'[:160]}))]
    for message in messages:
        out.write(message)
    out.flush()
    return 0


def _pack(message: tuple) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return struct.pack('>I', len(data)) + data


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
