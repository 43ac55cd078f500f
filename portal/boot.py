"""Start-up and shut-down of the engine (no UI): schemas → database → migration → first-start demo data."""
from __future__ import annotations

import logging
import uuid

from . import private, records
from .catalog.load import load_catalog, load_or_raise
from .config import Settings
from .errors import SchemaError
from .runtime import Runtime, rt, set_runtime
from .store import audit, db, migrate, stats
from .store.models import PortalSetting

log = logging.getLogger(__name__)


async def start(settings: Settings, *, first_start_demo: bool = True, clock=None, prepared: bool = False
                ) -> tuple[Runtime, list[tuple[str, str, str]]]:
    """Load and check the schemas, connect, migrate; on a first start create demo users (and rows) — under the
    start lock, so processes started together take turns. `prepared`: this process did all that a moment ago
    (`run` before serving), only connect. Raises SchemaError (nothing migrated) on problems in the schemas or the
    migration plan, Unreachable when the database cannot be reached."""
    catalog = load_or_raise(settings.schema_dir)
    private.data(settings.data_dir)
    runtime = Runtime(settings=settings, catalog=catalog, clock=clock)
    set_runtime(runtime)
    await db.connect(settings.db_url, catalog)
    created: list[tuple[str, str, str]] = []
    if prepared:
        runtime.deployment = await deployment_id(settings)
        return runtime, created
    async with db.start_lock(settings.db_url):
        plan = await migrate.migrate(catalog)
        if not plan.ok:
            await db.close()
            raise SchemaError(plan.problems)
        for note in plan.notes:
            log.warning('%s', note)
        await stats.refresh()          # statistics missing (a database loaded before they were kept) or stale
        await records.refresh_derived(catalog, only_missing=True)      # a derived field new to rows already there
        runtime.deployment = await deployment_id(settings)
        if first_start_demo:
            from seed.demo import ensure_demo_users
            created = await ensure_demo_users(catalog)
            if created and settings.seed_demo:
                await seed_demo(catalog)
    return runtime, created


async def deployment_id(settings: Settings) -> str:
    """PORTAL_DEPLOYMENT, else an id made once for this database: processes on one database share it, two
    portals on one Redis never do (it names the Redis channels and keys)."""
    if settings.deployment:
        return settings.deployment
    row = await PortalSetting.get_or_none(key='deployment')
    if row is None:
        await PortalSetting.get_or_create(key='deployment', defaults={'value': uuid.uuid4().hex[:12]})
        row = await PortalSetting.get(key='deployment')
    return row.value


async def seed_demo(catalog) -> bool:
    """A first start's demo rows, in one transaction: all of them or none. A failure is logged and the portal
    starts without demo rows (the demo logins, already made, are still printed)."""
    from seed.demo import refresh_stats, seed
    try:
        async with db.transaction() as tx:
            counts = await seed(catalog, using=tx)
    except Exception:
        log.exception('demo rows could not be made; the portal starts without them (nothing was half-written)')
        print('\n  演示数据未能生成 · demo rows could not be made (see the log); the portal starts without them.\n')
        return False
    await refresh_stats(counts)
    return True


async def reload_schemas(*, announce: bool = True, apply: list[str] | None = None, by: str = 'system') -> list:
    """Reload schemas/ into the running portal. On any problem keep the last good catalog and return the
    issues. A change whose migration only adds (tables, columns, indexes) is migrated and switched to at once; one
    that changes what is stored (a renamed column, a dropped index, a new unique constraint over existing rows) is
    held: the portal keeps its schemas and shows admins the plan (`runtime.schema_pending`) until one of them
    applies it — `apply` is the plan as that admin saw it, and a plan that changed since is held again, never
    applied unseen. Open pages hear of either. `announce`: tell the deployment's other processes to do the same
    (they reload the same files — after a go-ahead their plan holds nothing — and keep their own result)."""
    runtime = rt()
    async with runtime.reload_lock:       # the file watcher, an admin and another process's notice may ask at once
        problems = await _reload(apply, by)
    runtime.schema_reload = {'at': runtime.now().strftime('%Y-%m-%d %H:%M:%S'), 'ok': not problems,
                             'problems': [str(p) for p in problems], 'registers': len(runtime.catalog.registers),
                             'pending': bool(runtime.schema_pending)}
    if announce:
        await runtime.bus.notice('schemas')
    return problems


async def _reload(apply: list[str] | None, by: str) -> list:
    runtime = rt()
    catalog, issues = load_catalog(runtime.settings.schema_dir)
    errors = [i for i in issues if i.severity == 'error']
    if catalog is None:
        return await _refused(runtime, errors)
    old = runtime.catalog
    if apply is None and catalog == _acted_on(runtime):
        return []        # nothing new (this process's watcher or a notice got here first): the connections stay
    async with db.switching(), db.start_lock(runtime.settings.db_url):   # two processes migrate in turn
        await db.connect(runtime.settings.db_url, catalog)
        plan = await migrate.plan(catalog)
        if not plan.ok:
            await db.connect(runtime.settings.db_url, old)
            return await _refused(runtime, plan.problems)
        if plan.held and apply != plan.lines():
            await db.connect(runtime.settings.db_url, old)
            runtime.schema_seen = catalog
            return await _held(runtime, plan)
        await migrate.apply(catalog, plan)
    runtime.catalog = runtime.schema_seen = catalog
    runtime.schema_problems = []
    runtime.schema_pending = None
    await records.refresh_derived(catalog, only_missing=True)
    await audit.system_entry(by, 'schema', f'schemas reloaded: {len(catalog.registers)} registers, '
                             f'{len(plan.steps)} migration steps' + (f' (applied by {by}: '
                             f'{"; ".join(plan.lines())})' if plan.held else ''))
    changed = {k for k in set(old.registers) | set(catalog.registers)
               if old.registers.get(k) != catalog.registers.get(k)}
    await runtime.schema_changed(changed)
    return []


def _acted_on(runtime):
    """The schema files this process last switched to or held for an admin: reading the same again changes
    nothing, so a reload re-plans only what is new (a re-plan reconnects the database: requests in flight fail)."""
    if runtime.schema_seen is not None:
        return runtime.schema_seen
    return runtime.catalog if runtime.schema_pending is None and not runtime.schema_problems else None


async def _held(runtime, plan) -> list:
    """A plan that changes stored data waits for an admin: the last good schemas stay in use meanwhile."""
    runtime.schema_problems = []
    runtime.schema_pending = {'at': runtime.now().strftime('%Y-%m-%d %H:%M:%S'), 'steps': plan.lines(),
                              'held': [f'{s.register}: {s.description}' for s in plan.held],
                              'notes': [str(n) for n in plan.notes]}
    log.warning('schema files need a migration that changes stored data; waiting for an admin to apply it:\n%s',
                '\n'.join(plan.lines()))
    await runtime.schema_changed(None)
    return []


async def _refused(runtime, problems: list) -> list:
    runtime.schema_seen = None
    runtime.schema_problems = list(problems)
    runtime.schema_pending = None
    log.warning('schema files refused, the portal keeps the last good schemas:\n%s',
                '\n'.join(str(p) for p in problems))
    await runtime.schema_changed(None)
    return problems


async def watch_schemas(stop_event=None) -> None:
    """Watch schemas/ while the portal runs: each saved change is checked and either switched to (additive
    migration, open grids refreshed) or refused (the last good schemas stay; admins see the problems on every
    page). Editors' swap files are ignored; a burst of saves is one reload."""
    from watchfiles import awatch
    folder = rt().settings.schema_dir
    async for _ in awatch(folder, debounce=300, step=50, stop_event=stop_event, recursive=True):
        try:       # (every process watches its schema folder itself: no notice to the others)
            await reload_schemas(announce=False)
        except Exception:          # a reload that fails unexpectedly must not stop the watching
            log.exception('reloading the schema files failed')


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
