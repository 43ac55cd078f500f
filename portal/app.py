"""Composition root: settings → engine start → pages and routes → ui.run. No logic of its own."""
from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

from fastapi.middleware.gzip import GZipMiddleware
from nicegui import app, ui

from pages import admin, dashboard, home, regulations
from pages import settings as settings_page

from . import boot
from .config import Settings, console_lang
from .errors import SchemaError
from .excel import uploads
from .runtime import ready, startup_tasks
from .i18n import t
from .store import backup, redis_events, stats
from .store.redis_events import RedisBridge
from .ui import history_ui, login, register_page, session_gate
from .web import auth, files_api, grid_api, range_api
from .web.api import api
from .web.body_limit import BodyLimit
from .web.security_headers import SecurityHeaders

STATIC = Path(__file__).parent / 'ui' / 'static'
_PREPARED: dict[str, bool] = {}


def build(settings: Settings) -> None:
    """Register every page, route and hook on the NiceGUI app (idempotent per process)."""

    app.add_static_files('/portal-static', STATIC)
    ui.add_head_html('<link rel="stylesheet" href="/portal-static/portal.css">'
                     '<script src="/portal-static/portal.js"></script>', shared=True)
    ui.add_head_html('<link rel="stylesheet" href="/portal-static/range.css">'      # the grid's cell range
                     '<script src="/portal-static/range.js"></script>', shared=True)
    app.add_middleware(auth.AuthMiddleware)
    app.add_middleware(BodyLimit, limit_mb=settings.import_max_mb)    # before NiceGUI spools an upload
    app.add_middleware(SecurityHeaders)      # added last = outside the auth middleware: its 401s get them too
    app.mount('/api/v1', api)
    login.register_pages()
    register_page.register_pages()
    history_ui.register_pages()
    grid_api.register_routes()
    range_api.register_routes()
    files_api.register_routes(app)
    home.register()
    regulations.register()
    admin.register()
    dashboard.register()
    settings_page.register()

    @app.get('/healthz')
    async def healthz():
        await ready()
        return {'ok': True}

    async def startup() -> None:
        startup_tasks['task'] = asyncio.ensure_future(_start(settings))
        await startup_tasks['task']

    async def shutdown() -> None:
        for name in ('stats', 'redis_keys', 'schemas'):
            task = startup_tasks.pop(name, None)
            if task is not None:
                task.cancel()
        await boot.stop()

    app.on_startup(startup)
    app.on_shutdown(session_gate.stop)
    app.on_shutdown(shutdown)


async def _start(settings: Settings):
    """The serving process's engine: `run` made the first start's users and demo rows before serving."""
    # `run` migrated and seeded under the start lock a moment ago: serving only connects (start-up runs once)
    runtime, created = await boot.start(settings, first_start_demo=False, prepared=_PREPARED.get('done', False))
    session_gate.start(runtime.bus)
    startup_tasks['stats'] = asyncio.ensure_future(stats.keep_fresh())     # periodic planner statistics
    startup_tasks['schemas'] = asyncio.ensure_future(boot.watch_schemas())  # hot reload of schemas/
    if settings.redis_url:       # several processes: change events travel through Redis
        bridge = RedisBridge(settings.redis_url, runtime.bus, runtime.deployment)
        # another process reloaded the schema files: reload the same files here (its result is kept per process)
        runtime.bus.on_notice('schemas', lambda _: boot.reload_schemas(announce=False))
        startup_tasks['redis_keys'] = asyncio.ensure_future(_expire_browser_storage(bridge, settings))
        await bridge.start()
        runtime.bridge = bridge
    return runtime, created


async def _expire_browser_storage(bridge: RedisBridge, settings: Settings) -> None:
    """Every 10 minutes: browser storage keys in Redis get the session lifetime as their expiry."""
    from nicegui.storage import Storage
    seconds = int(settings.session_max_hours * 3600 + settings.session_idle_minutes * 60)
    while True:
        try:
            await bridge.expire_browser_storage(Storage.redis_key_prefix, seconds)
        except Exception:            # Redis away for a moment: the next pass catches up
            logging.getLogger(__name__).exception('expiring browser storage keys failed')
        await asyncio.sleep(600)


async def _daily_backups(settings: Settings) -> None:
    """One verified backup a day while the portal runs, keeping PORTAL_BACKUP_KEEP of them."""
    import logging

    while True:
        await asyncio.sleep(60)
        try:
            path = await asyncio.to_thread(backup.backup, settings)
            backup.prune(settings, settings.backup_keep)
            logging.getLogger(__name__).info('daily backup %s', path)
        except Exception:
            logging.getLogger(__name__).exception('daily backup failed')
        await asyncio.sleep(24 * 3600 - 60)


async def _work_file_sweeps(settings: Settings) -> None:
    """Uploads and exports nobody came back for go after an hour (a closed browser never says it is done)."""
    import contextlib

    while True:
        with contextlib.suppress(OSError):
            uploads.sweep_all(settings.data_dir)
        await asyncio.sleep(600)


def run(settings: Settings, *, host: str | None = None, port: int | None = None) -> int:
    """Check and migrate first (refusing to start on any schema problem), print first-start logins, serve."""
    async def prepare():
        if settings.redis_url:
            await redis_events.probe(settings.redis_url)
        try:
            runtime, created = await boot.start(settings)
            deployment = runtime.deployment
        finally:
            await boot.stop()
        return created, deployment
    try:
        created, deployment = asyncio.run(prepare())
    except SchemaError as exc:
        print(exc.message(), file=sys.stderr)
        print(f'\nrefused: {len(exc.issues)} problem(s); the portal did not start and nothing was migrated. Fix the '
              'files above (python -m portal check).', file=sys.stderr)
        return 1
    boot.print_logins(created)
    if not settings.redis_url and not settings.is_sqlite and os.environ.get('PORTAL_SINGLE_PROCESS') != '1':
        print(t('start.no_redis', console_lang()), file=sys.stderr)
    _PREPARED['done'] = True
    from nicegui.storage import Storage
    if settings.redis_url:       # user storage shared by all processes of this deployment, and only by them
        Storage.redis_url = settings.redis_url
        if 'NICEGUI_REDIS_KEY_PREFIX' not in os.environ:
            Storage.redis_key_prefix = f'portal:{deployment}:nicegui:'

    Storage.path = (settings.data_dir / 'sessions').resolve()
    backup.mark_running(settings)
    build(settings)
    app.on_shutdown(lambda: backup.clear_running(settings))
    if settings.daily_backup and settings.is_sqlite:
        app.on_startup(lambda: asyncio.ensure_future(_daily_backups(settings)))
    app.on_startup(lambda: asyncio.ensure_future(_work_file_sweeps(settings)))
    ui.run(host=host or settings.host, port=port or settings.port, title='运营台 · Ops Portal',
           storage_secret=settings.storage_secret(), language='zh-CN', reload=False, show=False,
           favicon='📋', reconnect_timeout=10,
           # level 1: grid blocks are compressed ~6x at a fraction of the default level's CPU time
           gzip_middleware_factory=lambda asgi: GZipMiddleware(asgi, minimum_size=1000, compresslevel=1))
    return 0
