"""Command line: run, check, migrate, seed, create-user, reset-password (and the data commands)."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import Callable

from .. import boot
from ..catalog import coverage
from ..catalog.load import load_catalog, load_or_raise
from ..config import Settings, console_lang, load_dotenv
from ..errors import PortalError, SchemaError, Unreachable, first_line
from ..i18n import t
from ..people import tokens, users
from ..people.access import SYSTEM
from ..runtime import Runtime, rt, set_runtime
from ..store import db, migrate
from . import data as cli_data
from .ops import ENGINE_FREE


def main(argv: list[str] | None = None, *, serve: Callable[..., int] | None = None) -> int:
    """The command table; `serve` runs the portal (the composition root, portal.app.run, passed in by
    python -m portal: the command line sits below the app and does not import it)."""
    load_dotenv()
    parser = argparse.ArgumentParser(prog='python -m portal', description='运营台 · Ops Portal')
    sub = parser.add_subparsers(dest='command', required=True)
    run = sub.add_parser('run', help='start the portal (default: SQLite file under ./data, demo data on first start)')
    run.add_argument('--host')
    run.add_argument('--port', type=int)
    sub.add_parser('check', help='check the schema files (and the database, if there is one)')
    dc = sub.add_parser('docs', help='write the schema reference (docs/schema-reference.md) from the registries')
    dc.add_argument('--out', default=None, help='FILE (default: docs/schema-reference.md)')
    mig = sub.add_parser('migrate', help='migrate the database to the schemas (additive)')
    mig.add_argument('--dry-run', action='store_true', help='print the plan, change nothing')
    seed = sub.add_parser('seed', help='add deterministic demo rows')
    seed.add_argument('--rows', type=int, help='rows per register (default: a few hundred)')
    seed.add_argument('--register', action='append', help='only this register (repeatable)')
    seed.add_argument('--no-validate', action='store_true', help='skip rule checks (faster for benchmarks)')
    cu = sub.add_parser('create-user', help='create a portal user')
    cu.add_argument('username')
    cu.add_argument('--name', default='')
    cu.add_argument('--roles', required=True, help='comma-separated role keys from schemas/roles.toml')
    cu.add_argument('--password', help='(prompted when omitted)')
    tk = sub.add_parser('create-token', help='create an API token for a user (printed once)')
    tk.add_argument('username')
    tk.add_argument('name')
    rp = sub.add_parser('reset-password', help="set a user's password")
    rp.add_argument('username')
    rp.add_argument('--password')
    cov = sub.add_parser('coverage', help='every clause of the regulations and what carries it (exit 1 if any is '
                                          'neither carried nor given a reason)')
    cov.add_argument('--missing', action='store_true', help='list only the clauses nothing carries')
    cli_data.add_commands(sub)
    parser.add_argument('--debug', action='store_true', help='show the traceback of a failure')
    args = parser.parse_args(argv)
    try:
        return _dispatch(parser, args, serve)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(refusal(exc), file=sys.stderr)
        return 1 if isinstance(exc, PortalError) and not isinstance(exc, Unreachable) else 2


def refusal(exc: BaseException) -> str:
    """One line for a command that failed: the portal's own message, or what went wrong and how to see more."""
    lang = console_lang()
    if isinstance(exc, PortalError):
        return exc.message(lang)
    if isinstance(exc, FileNotFoundError):
        return t('cli.no_file', lang, path=exc.filename or str(exc))
    return t('cli.internal', lang, kind=type(exc).__name__, detail=first_line(exc, 300))


def _dispatch(parser: argparse.ArgumentParser, args, serve: Callable[..., int] | None) -> int:
    settings = Settings()
    if args.command == 'run':
        if serve is None:
            parser.error('run: start the portal with python -m portal run')
        return serve(settings, host=args.host, port=args.port)
    if args.command == 'check':
        return asyncio.run(_check(settings))
    if args.command == 'coverage':
        return _coverage(settings, args)
    if args.command == 'docs':
        return _docs(args.out)
    handler = {'migrate': _migrate, 'seed': _seed, 'create-user': _create_user, 'reset-password': _reset_password,
               'create-token': _create_token}.get(args.command) or cli_data.handler(args.command)
    return asyncio.run(_with_engine(settings, handler, args))


async def _with_engine(settings: Settings, handler, args) -> int:
    try:
        if args.command == 'migrate':
            return await handler(settings, args)
        if args.command in ENGINE_FREE:      # file-level operations: no engine, no migration
            return await handler(settings, args)
        await boot.start(settings, first_start_demo=False)
    except SchemaError as exc:
        print(exc.message(console_lang()), file=sys.stderr)
        return _refused(exc.issues)
    try:
        return await handler(settings, args)
    finally:
        await boot.stop()


def _coverage(settings: Settings, args) -> int:
    catalog = load_or_raise(settings.schema_dir)
    for line in coverage.lines(catalog, console_lang(), missing_only=args.missing):
        print(line)
    counts = coverage.totals(catalog)
    print(f'\n{sum(counts.values())} clauses: {counts["carried"]} carried, {counts["shown"]} shown with a reason, '
          f'{counts["missing"]} missing')
    return 1 if counts['missing'] else 0


def _docs(out: str | None) -> int:
    from pathlib import Path

    from ..catalog import reference
    path = Path(out or reference.PATH)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(reference.render(), encoding='utf-8')
    print(f'schema reference → {path}')
    return 0


def _refused(problems: list, what: str = 'nothing was changed') -> int:
    """The closing line of a refusal: how many problems, and that the database was not touched."""
    errors = sum(getattr(i, 'severity', 'error') == 'error' for i in problems)
    print(f'\nrefused: {errors} problem(s); {what}.', file=sys.stderr)
    return 1


async def _check(settings: Settings) -> int:
    catalog, issues = load_catalog(settings.schema_dir)
    for issue in issues:
        print(issue)
    if catalog is None:
        return _refused(issues)
    fields = sum(len(r.fields) for r in catalog.registers.values())
    checks = sum(len(r.checklist) for r in catalog.registers.values())
    rules = sum(len(r.rules) for r in catalog.registers.values())
    print(f'OK: {len(catalog.registers)} registers ({", ".join(catalog.registers)}), {fields} fields, '
          f'{checks} checklist items, {rules} rules, {len(catalog.clauses)} clauses in '
          f'{len(catalog.documents)} documents, {len(catalog.roles)} roles.')
    if settings.is_sqlite and not settings.sqlite_path.exists():
        return 0
    set_runtime(Runtime(settings=settings, catalog=catalog))
    await db.connect(settings.db_url, catalog)
    try:
        plan = await migrate.plan(catalog)
    finally:
        await db.close()
    for issue in plan.problems + plan.notes:
        print(issue)
    if plan.problems:       # never "up to date" beside a refusal
        print(f'database: the schemas cannot be applied ({len(plan.problems)} problem(s)); the database was not '
              'changed')
        return 1
    print(f'database: {len(plan.steps)} pending migration step(s)' if plan.steps else 'database: up to date')
    return 0


async def _migrate(settings: Settings, args) -> int:
    catalog, issues = load_catalog(settings.schema_dir)
    if catalog is None:
        for issue in issues:
            print(issue)
        return _refused(issues, 'the database was not changed')
    set_runtime(Runtime(settings=settings, catalog=catalog))
    await db.connect(settings.db_url, catalog)
    try:
        plan = await migrate.migrate(catalog, dry_run=args.dry_run)
    finally:
        await db.close()
    for issue in plan.problems + plan.notes:
        print(issue)
    if not plan.ok:
        return _refused(plan.problems, 'the database was not changed')
    print(('plan (dry run, nothing changed):' if args.dry_run else 'applied:'))
    for line in plan.lines():
        print(f'  {line}')
    return 0


async def _seed(settings: Settings, args) -> int:
    from seed.demo import ensure_demo_users, seed

    boot.print_logins(await ensure_demo_users(rt().catalog))     # demo rows name real people, never 'system'
    users.invalidate_directory()
    counts = await seed(rt().catalog, rows=args.rows, only=args.register, validate=not args.no_validate)
    for key, count in counts.items():
        print(f'{key}: +{count} rows')
    return 0


async def _create_user(settings: Settings, args) -> int:
    password = args.password or getpass.getpass('password: ')
    user = await users.create_user(None, username=args.username, display_name=args.name, password=password,
                                   roles=[r.strip() for r in args.roles.split(',') if r.strip()])
    print(f'created {user.username} ({", ".join(user.roles)})')
    return 0


async def _create_token(settings: Settings, args) -> int:
    actor = await users.get_actor(args.username)
    if actor is None:
        print(f'no active user {args.username!r}', file=sys.stderr)
        return 1
    _, token = await tokens.create(actor, args.name)
    print(token)
    return 0


async def _reset_password(settings: Settings, args) -> int:
    password = args.password or getpass.getpass('new password: ')
    await users.update_user(SYSTEM, args.username, password=password)
    print(f'password of {args.username} changed')
    return 0


