"""Hostile-file checks before any parser touches an upload: size, type, zip bombs, macros, external links."""
from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import PortalError
from ..i18n import add_messages

add_messages({
    'file.too_big': ('文件太大({size} MB),上限 {limit} MB', 'The file is too large ({size} MB); the limit is {limit} MB'),
    'file.type': ('只能导入 .xlsx 或 .csv 文件(收到 {name})', 'Only .xlsx and .csv files can be imported (got {name})'),
    'file.macro': ('文件包含宏,出于安全原因拒绝导入;请另存为普通 .xlsx', 'The file contains macros and was refused; '
                   'save it as a plain .xlsx'),
    'file.external': ('文件包含外部链接,拒绝导入', 'The file links to external workbooks and was refused'),
    'file.bomb': ('文件解压后过大或压缩比异常(疑似压缩炸弹),拒绝导入', 'The file expands too much (a zip bomb?) '
                  'and was refused'),
    # (the library's own words for the damage are English and no help to the user: kept in `detail` for the log)
    'file.corrupt': ('文件已损坏或不是 Excel 文件', 'The file is damaged or not an Excel file'),
    'file.encoding': ('无法识别 CSV 文件的文字编码,请另存为 UTF-8 或 GBK 编码的 CSV',
                      'The CSV file\'s text encoding is unknown: save it as UTF-8 or GBK CSV'),
    'file.empty': ('文件是空的', 'The file is empty'),
})
MAX_UNCOMPRESSED = 400 * 1024 * 1024
MAX_RATIO = 100
MAX_MEMBERS = 2000


def check_upload(path: Path, name: str, limit_mb: int) -> str:
    """Refuse what must not be parsed; return the kind ('xlsx' or 'csv')."""
    size = path.stat().st_size
    if size > limit_mb * 1024 * 1024:
        raise PortalError('file.too_big', size=round(size / 1024 / 1024, 1), limit=limit_mb)
    if size == 0:
        raise PortalError('file.empty')
    suffix = Path(name).suffix.lower()
    if suffix in ('.xlsm', '.xltm', '.xlam', '.xls', '.xlsb'):
        raise PortalError('file.macro' if suffix in ('.xlsm', '.xltm', '.xlam') else 'file.type', name=name)
    if suffix == '.csv':
        return 'csv'
    if suffix != '.xlsx':
        raise PortalError('file.type', name=name)
    _check_zip(path)
    return 'xlsx'


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise PortalError('file.bomb')
            total = sum(m.file_size for m in members)
            packed = sum(m.compress_size for m in members) or 1
            if total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
                raise PortalError('file.bomb')
            names = {m.filename.lower() for m in members}
            if any(n.endswith('vbaproject.bin') for n in names):
                raise PortalError('file.macro')
            if any(n.startswith('xl/externallinks/') for n in names):
                raise PortalError('file.external')
            types = archive.read('[Content_Types].xml').decode('utf-8', 'replace') \
                if '[content_types].xml' in names else ''
            if 'macroEnabled' in types:
                raise PortalError('file.macro')
            if 'xl/workbook.xml' not in names:
                raise PortalError('file.corrupt', detail='no workbook')
    except zipfile.BadZipFile as exc:
        raise PortalError('file.corrupt', detail=str(exc)) from exc
