"""Start-up and shut-down of the engine (no UI): schemas → database → migration → first-start demo data."""
from __future__ import annotations

import logging

from . import db, migrate
from .config import Settings
from .errors import SchemaError
from .loader import load_or_raise
from .runtime import Runtime, rt, set_runtime

log = logging.getLogger(__name__)


async def start(settings: Settings, *, first_start_demo: bool = True, clock=None
                ) -> tuple[Runtime, list[tuple[str, str, str]]]:
    """Load and check the schemas, connect, migrate; on a first start create demo users (and rows).
    Raises SchemaError (nothing migrated) when the schemas or the migration plan have problems."""
    catalog = load_or_raise(settings.schema_dir)
    runtime = Runtime(settings=settings, catalog=catalog, clock=clock)
    set_runtime(runtime)
    await db.connect(settings.db_url, catalog)
    plan = await migrate.migrate(catalog)
    if not plan.ok:
        await db.close()
        raise SchemaError(plan.problems)
    for note in plan.notes:
        log.warning('%s', note)
    created: list[tuple[str, str, str]] = []
    if first_start_demo:
        from seed.demo import ensure_demo_users, seed
        created = await ensure_demo_users(catalog)
        if created and settings.seed_demo:
            await seed(catalog)
    return runtime, created


async def reload_schemas() -> list:
    """Reload schemas/ into the running portal. On any problem keep the last good catalog and return the
    issues; on success migrate additively and switch to the new catalog."""
    from . import audit
    from .loader import load_catalog
    runtime = rt()
    catalog, issues = load_catalog(runtime.settings.schema_dir)
    errors = [i for i in issues if i.severity == 'error']
    if catalog is None:
        return errors
    old = runtime.catalog
    await db.connect(runtime.settings.db_url, catalog)
    plan = await migrate.plan(catalog)
    if not plan.ok:
        await db.connect(runtime.settings.db_url, old)
        return plan.problems
    await migrate.apply(catalog, plan)
    runtime.catalog = catalog
    await audit.system_entry('system', 'schema', f'schemas reloaded: {len(catalog.registers)} registers, '
                             f'{len(plan.steps)} migration steps')
    return []


async def stop() -> None:
    await db.close()
    set_runtime(None)


def print_logins(created: list[tuple[str, str, str]]) -> None:
    if not created:
        return
    print('\n  演示账号 · demo logins (shown once; change them or reset with `python -m portal reset-password`):')
    for login, password, roles in created:
        print(f'    {login:<10} {password:<16} {roles}')
    print()
