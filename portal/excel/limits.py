"""What an upload may cost: the limits a file is read within, and the messages that name them."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from ..i18n import add_messages

add_messages({
    'file.sheet_too_big': ('工作表的内容延伸到 {cell} 单元格({rows:,} 行 × {columns:,} 列),超出导入上限:最多 {max_rows:,} 行'
                           '数据、{max_columns} 列。请删除多余的行和列(或分成几个文件)后重新导入',
                           'The sheet extends to cell {cell} ({rows:,} rows × {columns:,} columns), beyond the '
                           'import limit of {max_rows:,} data rows and {max_columns} columns. Delete the extra rows '
                           'and columns (or split the file) and import again'),
    'file.too_many_rows': ('文件超过 {max_rows:,} 行数据的导入上限(读到第 {row:,} 行,其中 {blank:,} 行空白);'
                           '请分成几个文件导入',
                           'The file has more than {max_rows:,} data rows, the import limit (read up to row {row:,}, '
                           '{blank:,} of them blank); split it into several files'),
    'file.too_wide': ('第 {row:,} 行在第 {column:,} 列仍有内容,超出本登记表的导入上限 {max_columns} 列',
                      'Row {row:,} has content in column {column:,}, beyond this register\'s import limit of '
                      '{max_columns} columns'),
    'file.blank_run': ('从第 {row:,} 行起连续 {count:,} 行空白,之后还有内容(上限 {max_blank:,} 行);'
                       '请删除中间的空行后重新导入',
                       '{count:,} blank rows from row {row:,} on, with content after them (the limit is '
                       '{max_blank:,}); delete the blank rows and import again'),
    'file.line_too_long': ('第 {row:,} 行太长(超过 {max_chars:,} 个字符)', 'Row {row:,} is too long (over {max_chars:,} '
                           'characters)'),
    'file.cell_too_long': ('第 {row:,} 行有单元格超过 {max_chars:,} 个字符(Excel 单元格的上限)',
                           'Row {row:,} has a cell over {max_chars:,} characters (the most an Excel cell holds)'),
    'file.part_too_big': ('文件中的「{part}」解压后超过 {limit_mb} MB 的上限,拒绝导入',
                          'The part "{part}" of the file unpacks to more than {limit_mb} MB and was refused'),
    'file.strings': ('文件的共享文字表异常(声明 {declared:,} 条,上限 {limit:,} 条),拒绝导入',
                     'The file\'s shared-string table is abnormal ({declared:,} entries declared, limit {limit:,}) '
                     'and was refused'),
    'file.unreadable': ('读取该文件所需的内存或时间超出上限(内存 {memory_mb} MB、时间 {seconds} 秒),已停止读取',
                        'Reading this file needed more memory or time than allowed ({memory_mb} MB, {seconds} s) '
                        'and was stopped'),
    'file.too_much_text': ('文件中的文字超过 {limit_mb} MB 的上限,拒绝导入', 'The file holds more than {limit_mb} MB of '
                           'text and was refused'),
    'import.too_many_rows': ('文件有 {rows:,} 行数据,超过导入上限 {max_rows:,} 行;请分成几个文件导入',
                             'The file has {rows:,} data rows, more than the import limit of {max_rows:,}; split it '
                             'into several files'),
    'import.empty_sheet': ('文件中没有任何内容(只有空行或空单元格)', 'The file has no content (only blank rows or cells)'),
    'import.no_rows': ('文件中没有数据行:表头(第 {header} 行)下面是空的', 'The file has no data rows: nothing below the '
                       'header (row {header})'),
})
HEADER_ROWS = 20          # title and header rows above the data that the row limit does not count
COLUMN_MARGIN = 10        # columns beyond the register's fields a file may have (notes, blank columns)
EXCEL_CELL_CHARS = 32767  # the most characters an Excel cell holds


@dataclass(kw_only=True, slots=True, frozen=True)
class Limits:
    max_rows: int = 200_000            # data rows (PORTAL_IMPORT_MAX_ROWS)
    max_columns: int = 40
    max_blank_run: int = 10_000        # blank rows in a row with content after them
    max_line_chars: int = 1_000_000    # one CSV line
    max_cell_chars: int = EXCEL_CELL_CHARS
    max_part_mb: int = 256             # one unpacked part of an .xlsx (the whole file: guard.MAX_UNCOMPRESSED)
    max_text_mb: int = 256             # what the reader hands over (100,000 rows × 15 columns ≈ 20 MB)
    memory_mb: int = 2048              # address space of the process that parses
    seconds: float = 120               # wall time of the parse

    @property
    def max_sheet_rows(self) -> int:
        """The last row number a sheet may use: the data rows plus title and header rows."""
        return self.max_rows + HEADER_ROWS

    def to_dict(self) -> dict:
        return asdict(self)


def for_register(register, max_rows: int) -> Limits:
    """The limits of an import into `register`: its own columns — fields and row checklist items, as its export
    writes them — plus a margin of columns, the configured rows."""
    return Limits(max_rows=max_rows,
                  max_columns=len(register.fields) + len(register.row_checklist) + COLUMN_MARGIN)
