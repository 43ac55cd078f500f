"""Hostile-file checks before any parser touches an upload: size, type, zip bombs, macros, external links."""
from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import PortalError
from ..i18n import add_messages
from . import limits  # noqa: F401  (the messages of the limits)

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
    return 'xlsx'


def check_zip(path: Path, max_part_mb: int) -> list[zipfile.ZipInfo]:
    """The zip's directory, as far as it can be believed: few members, each packed with plain deflate (or
    stored), none declaring more than `max_part_mb` unpacked, no two with one name, no macros or external
    links. Run where a parse may run (in the reading process): a directory of a million members is work too.
    What the members really unpack to is measured while reading them (sheetscan)."""
    if _entries(path) > MAX_MEMBERS:
        raise PortalError('file.bomb')
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = sum(m.file_size for m in members)
            packed = sum(m.compress_size for m in members) or 1
            if total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
                raise PortalError('file.bomb')
            for member in members:
                if member.file_size > max_part_mb * 1024 * 1024:
                    raise PortalError('file.part_too_big', part=member.filename, limit_mb=max_part_mb)
                if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or member.flag_bits & 1:
                    raise PortalError('file.corrupt', detail=f'{member.filename}: method {member.compress_type}')
            names = {m.filename.lower().replace('\\', '/') for m in members}
            if len(names) < len(members):
                raise PortalError('file.corrupt', detail='two members with one name')
            if any(n.endswith('vbaproject.bin') for n in names):
                raise PortalError('file.macro')
            if any(n.startswith('xl/externallinks/') for n in names):
                raise PortalError('file.external')
            types = _head(archive, '[Content_Types].xml') if '[content_types].xml' in names else ''
            if 'macroEnabled' in types:
                raise PortalError('file.macro')
            if 'xl/workbook.xml' not in names:
                raise PortalError('file.corrupt', detail='no workbook')
            return members
    except zipfile.BadZipFile as exc:
        raise PortalError('file.corrupt', detail=str(exc)) from exc


def _head(archive: zipfile.ZipFile, name: str) -> str:
    with archive.open(name) as part:
        return part.read(1 << 20).decode('utf-8', 'replace')


def _entries(path: Path) -> int:
    """The member count the zip's end record declares, read before the directory is parsed."""
    with open(path, 'rb') as f:
        end = zipfile._EndRecData(f)       # (private, stable since Python 2) the record ZipFile itself reads
    if end is None:
        raise PortalError('file.corrupt', detail='no zip end record')
    return end[zipfile._ECD_ENTRIES_TOTAL]
