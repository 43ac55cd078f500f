"""Open-ended upload shapes (hypothesis): a CSV of any shape and encoding is read exactly or refused for a reason it
really has, within a time and memory budget; a sheet's cells — with or without references, prefixes, a true or
lying dimension, in pieces cut anywhere — are refused exactly when a cell with a value lies beyond the limits,
and what the reader then returns sits where the scan said it would."""
from __future__ import annotations

import asyncio
import csv
import io
import time
import tracemalloc
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from portal.errors import PortalError
from portal.excel import reader, sandbox, sheetscan
from portal.excel.limits import Limits

from . import hostile

LIMITS = Limits(max_rows=30, max_columns=6, max_blank_run=5, max_line_chars=300, max_cell_chars=60)
TEXT = st.one_of(st.text(alphabet='ab ,"\n\r中文', max_size=12), st.text(alphabet='ab,中', min_size=30, max_size=61))
CELL = st.one_of(st.just(''), st.just(' '), TEXT, TEXT)
BLANK_ROW = st.lists(st.sampled_from(['', ' ']), max_size=3)
LONG_LINE = ['b' * 55] * 6                  # no cell too long, the line is
ROWS = st.lists(st.one_of(BLANK_ROW, st.lists(CELL, max_size=7), st.lists(CELL, max_size=6)), max_size=30)
PADDING = st.tuples(st.integers(0, 60), st.sampled_from([[], ['a'], ['', ' '], ['""'], LONG_LINE]), st.integers(0, 30))


def _blank(cell: str) -> bool:
    return not cell or cell.isspace()


def _expected(rows: list[list[str]], text: str) -> tuple[set[str], list[tuple[int, list[str]]]]:
    """What the file really breaks, and the rows a reader should return: a model of the rules, not the code."""
    broken, kept, run = set(), [], 0
    last = max((i for i, r in enumerate(rows, start=1) if not all(map(_blank, r))), default=0)
    tall = max((i for i, r in enumerate(rows, start=1) if _line(r).strip(reader.CSV_BLANK)), default=0)
    if any(len(line) > LIMITS.max_line_chars for line in io.StringIO(text, newline='')):
        broken.add('file.line_too_long')
    if any(len(c) > LIMITS.max_cell_chars for r in rows[:last] for c in r):
        broken.add('file.cell_too_long')
    if tall > LIMITS.max_sheet_rows:           # a blank row written as "" still makes the file that tall
        broken.add('file.too_many_rows')
    for number, cells in enumerate(rows[:last], start=1):
        width = max((i + 1 for i, c in enumerate(cells) if not _blank(c)), default=0)
        if not width:
            run += 1
            continue
        if run > LIMITS.max_blank_run:
            broken.add('file.blank_run')
        if width > LIMITS.max_columns:
            broken.add('file.too_wide')
        run = 0
        kept.append((number, cells[:width]))
    return broken, kept


def _line(row: list[str]) -> str:
    out = io.StringIO(newline='')
    csv.writer(out).writerow(row)
    return out.getvalue()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(rows=ROWS, padding=PADDING, tail=st.sampled_from(['', '\r\n', ',,,\r\n\r\n', '\r\n' * 40]), gbk=st.booleans())
def test_any_csv_is_read_exactly_or_refused_for_a_reason_it_has(tmp_path_factory, rows, padding, tail, gbk):
    count, row, at = padding                 # a run of one kind of row: many rows, long blank runs
    rows = rows[:at] + [row] * count + rows[at:]
    out = io.StringIO(newline='')
    csv.writer(out).writerows(rows)
    text = out.getvalue() + tail
    path = tmp_path_factory.mktemp('csv') / 'shape.csv'
    path.write_bytes(text.encode('gbk' if gbk else 'utf-8'))
    broken, kept = _expected(rows, text)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        got = list(reader.rows(path, 'csv', LIMITS))
    except PortalError as exc:
        event(exc.key)
        assert exc.key in broken, (exc.key, broken)
    else:
        event('read')
        assert not broken and got == kept
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert time.perf_counter() - start < 2
    assert peak < 1024 * 1024 + 40 * len(text), (peak, len(text))
    assert csv.field_size_limit() == 131072              # the module-wide setting is given back


# ---- sheets ------------------------------------------------------------------------------------------------------

CELLS = st.lists(st.tuples(st.integers(1, 60), st.integers(1, 9), st.booleans()), max_size=40)


@st.composite
def sheets(draw):
    """Rows of cells, each row and cell written with or without its reference, maybe prefixed, maybe with a
    dimension that lies; plus the positions of the cells with a value, computed the way the reader keeps them."""
    cells = sorted(set(draw(CELLS)))
    prefix = draw(st.sampled_from(['', 'x:']))
    by_row: dict[int, list[tuple[int, bool]]] = {}
    for r, c, value in cells:
        by_row.setdefault(r, []).append((c, value))
    xml, valued, row_index = [], set(), 0
    for r in sorted(by_row):
        numbered = draw(st.booleans()) or r != row_index + 1
        xml.append(f'<{prefix}row r="{r}">' if numbered else f'<{prefix}row>')
        row_index, col_index = r, 0
        for c, value in by_row[r]:
            referenced = draw(st.booleans()) or c != col_index + 1
            attrs = f' r="{hostile._col(c)}{r}"' if referenced else ''
            if value:
                xml.append(f'<{prefix}c{attrs}><{prefix}v>1</{prefix}v></{prefix}c>')
                valued.add((r, c))
            else:
                xml.append(draw(st.sampled_from([f'<{prefix}c{attrs}/>', f'<{prefix}c{attrs} s="1"/>'])))
            col_index = c
        xml.append(f'</{prefix}row>')
    dimension = draw(st.sampled_from([None, 'A1:B2', 'A1:F50', 'A1:Z9999']))
    dim = f'<{prefix}dimension ref="{dimension}"/>' if dimension else ''
    ns = f' xmlns{":x" if prefix else ""}="{hostile.MAIN}"'
    body = f'<{prefix}worksheet{ns}>{dim}<{prefix}sheetData>{"".join(xml)}</{prefix}sheetData></{prefix}worksheet>'
    return body.encode(), valued, dimension


def _beyond(row: int, column: int) -> bool:
    return row > LIMITS.max_sheet_rows or column > LIMITS.max_columns


@settings(max_examples=300, deadline=None)
@given(sheet=sheets(), cut=st.integers(1, 400))
def test_a_sheet_is_refused_exactly_when_a_cell_with_a_value_lies_beyond_the_limits(sheet, cut):
    xml, valued, dimension = sheet
    declared = dimension is not None and _beyond(*sheetscan._ref(dimension.split(':')[1].encode()))
    expected = declared or any(_beyond(r, c) for r, c in valued)
    pieces = [xml[i:i + cut] for i in range(0, len(xml), cut)]
    try:
        sheetscan.scan_sheet(lambda: iter(pieces), LIMITS)
    except PortalError as exc:
        event('refused')
        assert expected and exc.key == 'file.sheet_too_big', exc.message('en')
    else:
        event('accepted')
        assert not expected


@settings(max_examples=12, deadline=None)
@given(sheet=sheets())
def test_what_the_reader_returns_sits_where_the_scan_said(tmp_path_factory, sheet):
    """The same sheets through the real reader (calamine, in its own process): refused with the same reason,
    or every value at the row and column the model put it."""
    xml, valued, dimension = sheet
    path = hostile.write_zip(tmp_path_factory.mktemp('sheet') / 'shape.xlsx', hostile._parts(xml))
    try:
        rows = asyncio.run(sandbox.read_rows(path, 'xlsx', replace(LIMITS, max_blank_run=100)))
    except PortalError as exc:
        event('refused')
        assert exc.key == 'file.sheet_too_big', exc.message('en')
        return
    event('read')
    found = {(number, c) for number, cells in rows for c, value in enumerate(cells, start=1) if value != ''}
    assert found == valued


@pytest.mark.parametrize('build', [hostile.xfd_corner, hostile.lying_dimension, hostile.cells_without_references,
                                   hostile.prefixed_tall])
def test_the_scan_alone_refuses_the_corner_cells(tmp_path, build):
    with pytest.raises(PortalError, match='超出导入上限'):
        sheetscan.verify(build(tmp_path), Limits(max_columns=31))
