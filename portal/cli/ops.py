"""Operations commands of the CLI: backup, restore, purge, files-sweep, report."""
from __future__ import annotations

from pathlib import Path

from ..dashboards import reports
from ..people.access import SYSTEM
from ..records import attach, history
from ..store import backup


def add_commands(sub) -> None:
    bk = sub.add_parser('backup', help='consistent online copy of the SQLite database, verified')
    bk.add_argument('--out', help='FILE (default: data/backups/portal-<time>.db)')
    rs = sub.add_parser('restore', help='restore a backup into a stopped portal')
    rs.add_argument('file')
    pg = sub.add_parser('purge', help='delete rows from the recycle bin for good (older than --days)')
    pg.add_argument('--days', type=int, help='default: PORTAL_RECYCLE_DAYS (30)')
    pg.add_argument('--register')
    fs = sub.add_parser('files-sweep', help='remove stored attachments no row (live or in the recycle bin) names')
    fs.add_argument('--grace-hours', type=float, default=24, help='keep files stored or re-stored more recently '
                    '(default 24: an upload still being saved, a removal that may be undone)')
    rp = sub.add_parser('report', help='write a report to .xlsx')
    rp.add_argument('name')
    rp.add_argument('--month', required=True, help='YYYY-MM')
    rp.add_argument('--out', required=True)


ENGINE_FREE = {'backup', 'restore'}


def handler(command: str):
    handlers = {'backup': _backup, 'restore': _restore, 'purge': _purge, 'files-sweep': _files_sweep,
                'report': _report}
    if command not in handlers:
        raise SystemExit(f'unknown command {command}')
    return handlers[command]


async def _backup(settings, args) -> int:
    path = backup.backup(settings, Path(args.out) if args.out else None)
    print(f'backup written and verified (integrity_check ok): {path}')
    removed = backup.prune(settings, settings.backup_keep) if not args.out else []
    for old in removed:
        print(f'removed old backup {old}')
    return 0


async def _restore(settings, args) -> int:
    kept = backup.restore(settings, Path(args.file))
    print(f'restored {args.file} → {settings.sqlite_path} (the previous database is kept as {kept})')
    return 0


async def _purge(settings, args) -> int:
    days = args.days if args.days is not None else settings.recycle_days
    counts = await history.purge(days, args.register)
    for key, n in counts.items():
        print(f'{key}: {n} rows purged (deleted more than {days} days ago)')
    return await _files_sweep(settings, None)


async def _files_sweep(settings, args) -> int:
    removed = await attach.sweep(args.grace_hours if args is not None else 24)
    print(f'{removed} stored file(s) no row names any more removed')
    return 0


async def _report(settings, args) -> int:
    data = await reports.report_xlsx(SYSTEM, args.name, args.month)
    Path(args.out).write_bytes(data)
    print(f'report {args.name} {args.month} → {args.out}')
    return 0


