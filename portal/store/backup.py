"""Backups: a consistent online copy of the SQLite database (SQLite's backup API) verified with an integrity
check; restore into a stopped portal; daily backups with retention. PostgreSQL uses pg_dump (see README)."""
from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

from .. import private
from ..config import Settings
from ..errors import PortalError
from ..i18n import add_messages

add_messages({
    'backup.pg': ('数据库是 PostgreSQL:请用 pg_dump 备份,例如 pg_dump -Fc -d "{url}" -f portal.dump;'
                  '用 pg_restore -d <数据库> portal.dump 恢复', 'The database is PostgreSQL: back it up with pg_dump, '
                  'e.g. pg_dump -Fc -d "{url}" -f portal.dump; restore with pg_restore -d <database> portal.dump'),
    'backup.bad': ('备份文件未通过检查:{detail}', 'The backup failed its check: {detail}'),
    'backup.running': ('门户正在运行(进程 {pid}),请先停止再恢复', 'The portal is running (process {pid}); stop it first'),
    'backup.not_portal': ('这不是运营台的数据库文件', 'This is not an Ops Portal database'),
})
PID_FILE = 'portal.pid'


def backup(settings: Settings, out: Path | None = None) -> Path:
    if not settings.is_sqlite:
        raise PortalError('backup.pg', url=settings.db_url)
    source = settings.sqlite_path
    if out is None:
        out = private.folder(settings.data_dir / 'backups') / f'portal-{datetime.now():%Y%m%d-%H%M%S}.db'
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(out.suffix + '.partial')
    partial.unlink(missing_ok=True)
    private.file(partial)                    # a copy of every password hash: 0600 from its first byte
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst, pages=4096)              # consistent online copy while the portal keeps writing
        dst.execute('PRAGMA journal_mode=DELETE')   # a plain file: nothing opens a -wal/-shm beside a backup
    finally:
        dst.close()
        src.close()
    verify(partial)
    os.replace(partial, out)
    return out


def verify(path: Path) -> None:
    """integrity_check is 'ok' and the portal's own tables are there."""
    try:
        # immutable: read as a plain file, no -wal/-shm made beside it (nor beside a refused one)
        con = sqlite3.connect(f'file:{path}?mode=ro&immutable=1', uri=True)
        try:
            result = con.execute('PRAGMA integrity_check').fetchone()[0]
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise PortalError('backup.bad', detail=str(exc)) from exc
    if result != 'ok':
        raise PortalError('backup.bad', detail=result)
    if not {'portal_users', 'portal_audit', 'portal_schema_state'} <= tables:
        raise PortalError('backup.not_portal')


def restore(settings: Settings, source: Path) -> Path:
    """Replace the database with a checked backup; the current one is kept beside it."""
    if not settings.is_sqlite:
        raise PortalError('backup.pg', url=settings.db_url)
    pid = running_pid(settings)
    if pid:
        raise PortalError('backup.running', pid=pid)
    if not Path(source).is_file():
        raise PortalError('cli.no_file', path=str(source))
    verify(Path(source))
    target = settings.sqlite_path
    target.parent.mkdir(parents=True, exist_ok=True)
    kept = target.with_name(f'{target.name}.before-restore-{datetime.now():%Y%m%d-%H%M%S}')
    if target.exists():
        backup(settings, kept)
    for suffix in ('-wal', '-shm'):
        Path(f'{target}{suffix}').unlink(missing_ok=True)
    Path(f'{target}.restoring').unlink(missing_ok=True)
    shutil.copyfile(source, private.file(Path(f'{target}.restoring')))
    os.replace(f'{target}.restoring', target)
    return kept


def prune(settings: Settings, keep: int) -> list[Path]:
    folder = settings.data_dir / 'backups'
    files = sorted(folder.glob('portal-*.db')) if folder.exists() else []
    removed = files[:-keep] if keep > 0 else []
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def mark_running(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / PID_FILE).write_text(str(os.getpid()))


def clear_running(settings: Settings) -> None:
    path = settings.data_dir / PID_FILE
    if path.exists() and path.read_text().strip() == str(os.getpid()):
        path.unlink()


def running_pid(settings: Settings) -> int | None:
    path = settings.data_dir / PID_FILE
    if not path.exists():
        return None
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (ValueError, ProcessLookupError, PermissionError):
        return None
