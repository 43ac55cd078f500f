"""Command line: run, check, migrate, seed, create-user, reset-password (and the data commands)."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import sys


from .config import Settings, load_dotenv


def main(argv: list[str] | None = None) -> int:
    load_dotenv()
    parser = argparse.ArgumentParser(prog='python -m portal', description='运营台 · Ops Portal')
    sub = parser.add_subparsers(dest='command', required=True)
    run = sub.add_parser('run', help='start the portal (default: SQLite file under ./data, demo data on first start)')
    run.add_argument('--host')
    run.add_argument('--port', type=int)
    sub.add_parser('check', help='check the schema files (and the database, if there is one)')
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
    from . import cli_data
    cli_data.add_commands(sub)
    args = parser.parse_args(argv)
    settings = Settings()
    if args.command == 'run':
        from .app import run
        return run(settings, host=args.host, port=args.port)
    if args.command == 'check':
        return asyncio.run(_check(settings))
    handler = {'migrate': _migrate, 'seed': _seed, 'create-user': _create_user,
               'reset-password': _reset_password, 'create-token': _create_token}.get(args.command) or cli_data.handler(args.command)
    return asyncio.run(_with_engine(settings, handler, args))


async def _with_engine(settings: Settings, handler, args) -> int:
    from . import boot
    from .cli_ops import ENGINE_FREE
    from .errors import PortalError, SchemaError
    try:
        if args.command == 'migrate':
            return await handler(settings, args)
        if args.command in ENGINE_FREE:      # file-level operations: no engine, no migration
            return await handler(settings, args)
        await boot.start(settings, first_start_demo=False)
    except SchemaError as exc:
        print(exc.message(), file=sys.stderr)
        return 1
    try:
        return await handler(settings, args)
    except PortalError as exc:
        print(exc.message(), file=sys.stderr)
        return 1
    finally:
        await boot.stop()


async def _check(settings: Settings) -> int:
    from . import db, migrate
    from .loader import load_catalog
    catalog, issues = load_catalog(settings.schema_dir)
    for issue in issues:
        print(issue)
    if catalog is None:
        print(f'\n{sum(i.severity == "error" for i in issues)} problem(s); nothing was changed.', file=sys.stderr)
        return 1
    fields = sum(len(r.fields) for r in catalog.registers.values())
    checks = sum(len(r.checklist) for r in catalog.registers.values())
    rules = sum(len(r.rules) for r in catalog.registers.values())
    print(f'OK: {len(catalog.registers)} registers ({", ".join(catalog.registers)}), {fields} fields, '
          f'{checks} checklist items, {rules} rules, {len(catalog.clauses)} clauses in '
          f'{len(catalog.documents)} documents, {len(catalog.roles)} roles.')
    if settings.is_sqlite and not settings.sqlite_path.exists():
        return 0
    from .runtime import Runtime, set_runtime
    set_runtime(Runtime(settings=settings, catalog=catalog))
    await db.connect(settings.db_url, catalog)
    try:
        plan = await migrate.plan(catalog)
    finally:
        await db.close()
    for issue in plan.problems + plan.notes:
        print(issue)
    pending = [s for s in plan.steps]
    print(f'database: {len(pending)} pending migration step(s)' if pending else 'database: up to date')
    return 1 if plan.problems else 0


async def _migrate(settings: Settings, args) -> int:
    from . import db, migrate
    from .loader import load_or_raise
    from .runtime import Runtime, set_runtime
    catalog = load_or_raise(settings.schema_dir)
    set_runtime(Runtime(settings=settings, catalog=catalog))
    await db.connect(settings.db_url, catalog)
    try:
        plan = await migrate.migrate(catalog, dry_run=args.dry_run)
    finally:
        await db.close()
    for issue in plan.problems + plan.notes:
        print(issue)
    if not plan.ok:
        print('refused: the database was not changed.', file=sys.stderr)
        return 1
    print(('plan (dry run, nothing changed):' if args.dry_run else 'applied:'))
    for line in plan.lines():
        print(f'  {line}')
    return 0


async def _seed(settings: Settings, args) -> int:
    from seed.demo import seed

    from .runtime import rt
    counts = await seed(rt().catalog, rows=args.rows, only=args.register, validate=not args.no_validate)
    for key, count in counts.items():
        print(f'{key}: +{count} rows')
    return 0


async def _create_user(settings: Settings, args) -> int:
    from . import users
    password = args.password or getpass.getpass('password: ')
    user = await users.create_user(None, username=args.username, display_name=args.name, password=password,
                                   roles=[r.strip() for r in args.roles.split(',') if r.strip()])
    print(f'created {user.username} ({", ".join(user.roles)})')
    return 0


async def _create_token(settings: Settings, args) -> int:
    from . import tokens, users
    actor = await users.get_actor(args.username)
    if actor is None:
        print(f'no active user {args.username!r}', file=sys.stderr)
        return 1
    _, token = await tokens.create(actor, args.name)
    print(token)
    return 0


async def _reset_password(settings: Settings, args) -> int:
    from .access import SYSTEM
    from . import users
    password = args.password or getpass.getpass('new password: ')
    await users.update_user(SYSTEM, args.username, password=password)
    print(f'password of {args.username} changed')
    return 0


