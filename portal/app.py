"""Composition root: settings → engine start → pages and routes → ui.run. No logic of its own."""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from fastapi.middleware.gzip import GZipMiddleware
from nicegui import app, ui

from . import auth, boot
from .config import Settings
from .errors import SchemaError

STATIC = Path(__file__).parent / 'ui' / 'static'
_ready: dict[str, asyncio.Task] = {}


def build(settings: Settings, *, first_start_demo: bool = False) -> None:
    """Register every page, route and hook on the NiceGUI app (idempotent per process)."""
    from pages import admin, dashboard, home, regulations, settings as settings_page

    from .ui import grid_api, history_ui, login, register_page
    app.add_static_files('/portal-static', STATIC)
    ui.add_head_html('<link rel="stylesheet" href="/portal-static/portal.css">'
                     '<script src="/portal-static/portal.js"></script>', shared=True)
    app.add_middleware(auth.AuthMiddleware)
    from .api import api
    app.mount('/api/v1', api)
    login.register_pages()
    register_page.register_pages()
    history_ui.register_pages()
    grid_api.register_routes()
    home.register()
    regulations.register()
    admin.register()
    dashboard.register()
    settings_page.register()
    for extension in _extensions():
        extension()

    @app.get('/healthz')
    async def healthz():
        await ready()
        return {'ok': True}

    async def startup() -> None:
        _ready['task'] = asyncio.ensure_future(_start(settings, first_start_demo))
        await _ready['task']

    app.on_startup(startup)
    app.on_shutdown(boot.stop)


async def _start(settings: Settings, first_start_demo: bool):
    runtime, created = await boot.start(settings, first_start_demo=first_start_demo)
    if settings.redis_url:       # several processes: change events travel through Redis
        from .redis_events import RedisBridge
        bridge = RedisBridge(settings.redis_url, runtime.bus)
        await bridge.start()
        runtime.bridge = bridge
    return runtime, created


def _extensions() -> list:
    """Pages added by later features (dashboards, reports, history, API...) register themselves here."""
    from . import extensions
    return extensions.ALL


async def ready() -> None:
    task = _ready.get('task')
    if task is not None:
        await task


async def _daily_backups(settings: Settings) -> None:
    """One verified backup a day while the portal runs, keeping PORTAL_BACKUP_KEEP of them."""
    import logging

    from . import backup
    while True:
        await asyncio.sleep(60)
        try:
            path = await asyncio.to_thread(backup.backup, settings)
            backup.prune(settings, settings.backup_keep)
            logging.getLogger(__name__).info('daily backup %s', path)
        except Exception:
            logging.getLogger(__name__).exception('daily backup failed')
        await asyncio.sleep(24 * 3600 - 60)


def run(settings: Settings, *, host: str | None = None, port: int | None = None) -> int:
    """Check and migrate first (refusing to start on any schema problem), print first-start logins, serve."""
    async def prepare():
        try:
            _, created = await boot.start(settings)
        finally:
            await boot.stop()
        return created
    try:
        created = asyncio.run(prepare())
    except SchemaError as exc:
        print(exc.message(), file=sys.stderr)
        print('\nThe portal did not start; nothing was migrated. Fix the files above (python -m portal check).',
              file=sys.stderr)
        return 1
    boot.print_logins(created)
    if settings.redis_url:       # user sessions shared by all portal processes
        from nicegui.storage import Storage
        Storage.redis_url = settings.redis_url
    from nicegui.storage import Storage
    Storage.path = (settings.data_dir / 'sessions').resolve()
    from . import backup
    backup.mark_running(settings)
    build(settings)
    app.on_shutdown(lambda: backup.clear_running(settings))
    if settings.daily_backup and settings.is_sqlite:
        app.on_startup(lambda: asyncio.ensure_future(_daily_backups(settings)))
    ui.run(host=host or settings.host, port=port or settings.port, title='运营台 · Ops Portal',
           storage_secret=settings.storage_secret(), language='zh-CN', reload=False, show=False,
           favicon='📋', reconnect_timeout=10,
           # level 1: grid blocks are compressed ~6x at a fraction of the default level's CPU time
           gzip_middleware_factory=lambda asgi: GZipMiddleware(asgi, minimum_size=1000, compresslevel=1))
    return 0
