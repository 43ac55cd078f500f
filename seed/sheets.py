"""Demo rows as the spreadsheet a user would import (the product's own export format, .xlsx or .csv): what the
plan tests and the benches load through the import path instead of writing rows themselves."""
from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from portal.schema import Catalog

from .demo import _context, demo_row
from .registers import REALISM


def write(path: Path, catalog: Catalog, register: str, columns: list[str], rows: int, *, start: int = 0,
          users: dict[str, tuple[str, list[str]]], today: date) -> Path:
    """Rows start … start+rows-1 of a deterministic demo sequence; `users` maps login → (name, roles) of the
    people the rows may name; the first column gets the row number appended, so every row is a new one."""
    from portal.excel.export import CsvSheet, XlsxSheet, _cell_converter
    reg = catalog.register(register)
    fields = [reg.field(name) for name in columns]
    names = {login: name for login, (name, _) in users.items()}
    ctx = _context(catalog, today, {login: {'roles': roles} for login, (_, roles) in users.items()})
    convert = [_cell_converter(f, names, register) for f in fields]
    rng = random.Random(f'sheet:{register}:{start}')
    first = columns[0]

    def values():
        for i in range(start, start + rows):
            row = demo_row(reg, rng, i, ctx, REALISM.get(register))
            if isinstance(row.get(first), str):
                row[first] = f'{row[first]}-{i}'
            yield [conv(row.get(f.name), row) for f, conv in zip(fields, convert)]
    writer = CsvSheet if path.suffix == '.csv' else XlsxSheet
    path.parent.mkdir(parents=True, exist_ok=True)
    writer.write(path, reg, fields, 'zh', values(), [('source', f'demo rows {start}–{start + rows - 1}')])
    return path
