"""Data commands of the CLI: export, import, template (backup, restore, purge and report are in cli/ops.py)."""
from __future__ import annotations

import sys
from pathlib import Path

from ..excel import annotate, export, importer, template
from ..people import users
from ..people.access import SYSTEM
from ..store.query import RowQuery
from . import ops as cli_ops


def add_commands(sub) -> None:
    ex = sub.add_parser('export', help='export a register to .xlsx or .csv')
    ex.add_argument('register')
    ex.add_argument('--out', required=True, help='FILE.xlsx or FILE.csv')
    ex.add_argument('--filter', action='append', default=[], metavar='FIELD=VALUE', help='repeatable')
    ex.add_argument('--as', dest='as_user', help='export with this user\'s rights (default: administrator)')
    im = sub.add_parser('import', help='import an .xlsx or .csv file into a register')
    im.add_argument('register')
    im.add_argument('file')
    im.add_argument('--dry-run', action='store_true', help='check and report, change nothing')
    im.add_argument('--valid-only', action='store_true', help='import the valid rows even if others have errors')
    im.add_argument('--as', dest='as_user', required=True, metavar='LOGIN',
                    help='the person importing (a real user: the rows and the audit name them, with their rights)')
    im.add_argument('--errors-out', help='write the file back with the bad cells marked')
    tp = sub.add_parser('template', help='write the import template of a register')
    tp.add_argument('register')
    tp.add_argument('--out', required=True)
    cli_ops.add_commands(sub)


def handler(command: str):
    return {'export': _export, 'import': _import, 'template': _template}.get(command) or cli_ops.handler(command)


async def _actor(as_user: str | None):
    if not as_user:
        return SYSTEM
    actor = await users.get_actor(as_user)
    if actor is None:
        raise SystemExit(f'no active user {as_user!r}')
    return actor


async def _export(settings, args) -> int:
    actor = await _actor(args.as_user)
    where = {}
    for item in args.filter:
        if '=' not in item:
            print(f'--filter takes FIELD=VALUE, got {item!r}', file=sys.stderr)
            return 2
        name, value = item.split('=', 1)
        where[name.strip()] = value.strip()
    out = Path(args.out)
    fmt = 'csv' if out.suffix.lower() == '.csv' else 'xlsx'
    result = await export.export(actor, args.register, RowQuery(where=where or None), out, fmt=fmt)
    print(f'{result.rows} rows → {out}')
    return 0


async def _import(settings, args) -> int:
    actor = await _actor(args.as_user)
    path = Path(args.file)
    plan = await importer.plan_import(actor, args.register, path, path.name)
    for problem in plan.file_problems:
        print(problem, file=sys.stderr)
    for problem in plan.problems:
        print(problem.text(), file=sys.stderr)
    print(f'{len(plan.creates)} new, {len(plan.updates)} updated, {plan.unchanged} unchanged, '
          f'{len(plan.problems) + len(plan.file_problems)} problems')
    if args.errors_out and (plan.problems or plan.file_problems):
        Path(args.errors_out).write_bytes(annotate.annotated(plan))
        print(f'marked file → {args.errors_out}')
    if args.dry_run:
        return 1 if (plan.problems or plan.file_problems) else 0
    if plan.file_problems or (plan.problems and not args.valid_only):
        print('nothing was imported', file=sys.stderr)
        return 1
    result = await importer.apply_import(actor, plan, valid_only=args.valid_only)
    print(f'imported: {result["created"]} new, {result["updated"]} updated')
    return 0


async def _template(settings, args) -> int:
    actor = await _actor(None)
    Path(args.out).write_bytes(await template.template(actor, args.register))
    print(f'template → {args.out}')
    return 0
