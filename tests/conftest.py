"""Shared fixtures: a real database per test (SQLite file; PostgreSQL too when PORTAL_TEST_PG is set)."""
from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest

from portal import boot
from portal.config import Settings
from portal.people import users
from portal.schema import Actor

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / 'schemas'
PG = os.environ.get('PORTAL_TEST_PG')   # e.g. postgres://postgres@127.0.0.1:5432/test
NOW = datetime(2026, 11, 27, 10, 0, 0)
PASSWORD = 'test-pass-123'
DEMO_PASSWORD = 'demo-pass-2026'      # the demo logins of page and browser tests (portal_process)
TEST_USERS = {
    'admin': ('管理员', ['admin']),
    'leader': ('周总经理', ['leader']),
    'manager': ('王经理', ['manager', 'staff']),
    'ops': ('李运营', ['ops', 'staff']),
    'cs': ('张客服', ['cs', 'staff']),
    'designer': ('赵美工', ['designer', 'staff']),
    'warehouse': ('陈仓管', ['warehouse', 'staff']),
    'staff': ('刘员工', ['staff']),
    'staff2': ('孙员工', ['staff']),
    'promoter': ('孙推广', ['promoter', 'staff']),
    'analyst': ('郑分析', ['analyst', 'staff']),
    'supervisor': ('吴主管', ['supervisor', 'cs', 'staff']),
}


def backends() -> list[str]:
    return ['sqlite', 'pg'] if PG else ['sqlite']


async def pg_database() -> tuple[str, str]:
    """A fresh PostgreSQL database for one test; returns (url, name)."""
    import asyncpg
    name = f'portal_t_{uuid.uuid4().hex[:10]}'
    admin = await asyncpg.connect(PG)
    try:
        await admin.execute(f'CREATE DATABASE {name}')
    finally:
        await admin.close()
    base = PG.rsplit('/', 1)[0]
    return f'{base}/{name}', name


async def drop_pg_database(name: str) -> None:
    import asyncpg
    admin = await asyncpg.connect(PG)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
def schema_dir(tmp_path) -> Path:
    """A private copy of schemas/ that a test may edit."""
    target = tmp_path / 'schemas'
    shutil.copytree(SCHEMAS, target)
    return target


@pytest.fixture(params=backends())
async def db_url(request, tmp_path):
    if request.param == 'sqlite':
        yield f'sqlite://{tmp_path / "data" / "portal.db"}'
        return
    url, name = await pg_database()
    yield url
    await drop_pg_database(name)


@pytest.fixture
async def engine(db_url, tmp_path, schema_dir):
    """A started engine (schemas migrated) with one test user per role and a frozen clock; no demo rows."""
    settings = Settings(data_dir=tmp_path / 'data', db_url=db_url, schema_dir=schema_dir)
    runtime, _ = await boot.start(settings, first_start_demo=False, clock=lambda: NOW)
    users.invalidate_directory()
    await add_test_users()
    yield runtime
    await boot.stop()
    users.invalidate_directory()


_HASH: list[str] = []


async def add_test_users() -> None:
    """One user per role (the password hash is computed once: argon2 is slow on purpose)."""
    from portal.store.models import User
    if not _HASH:
        _HASH.append(users.hash_password(PASSWORD))
    for username, (name, roles) in TEST_USERS.items():
        await User.create(username=username, display_name=name, password_hash=_HASH[0], roles=roles, created_at=NOW)
    users.invalidate_directory()


@pytest.fixture
def actors(engine) -> dict[str, Actor]:
    return {u: Actor(username=u, display_name=n, roles=tuple(r)) for u, (n, r) in TEST_USERS.items()}


def _is_browser(nodeid: str) -> bool:
    return nodeid.replace('\\', '/').startswith('tests/browser/')


def pytest_collection_modifyitems(config, items):
    """In one process, real-browser tests run last: Playwright's sync API runs an event loop in the main thread
    while a browser module runs, and pytest-asyncio cannot start a test's loop inside it."""
    items.sort(key=lambda item: _is_browser(item.nodeid))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """On several workers (pyproject's `-n auto`), the browser tests are one unit of work: one worker runs them all
    (one portal process, one Chromium) while the others share the rest. The largest unit starts first, so a run
    lasts about as long as its browser tests. (xdist's own `loadgroup` cannot do this under pytest 9: it renames
    nodes through an attribute pytest 9 no longer reads.)"""
    if config.getvalue('dist') != 'load':
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return 'tests/browser' if _is_browser(nodeid) else nodeid
    return BrowserTestsTogether(config, log)


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory) -> Path:
    """The first start's demo database, made once before any page test serves a page: seeding it inside each
    test's app took seconds on a busy machine, longer than a page's first response may wait."""
    data = tmp_path_factory.mktemp('demo') / 'data'
    saved = {k: os.environ.get(k) for k in ('PORTAL_DEMO_PASSWORD', 'PORTAL_DB_URL', 'DATABASE_URL')}
    os.environ['PORTAL_DEMO_PASSWORD'] = DEMO_PASSWORD
    os.environ.pop('PORTAL_DB_URL', None)
    os.environ.pop('DATABASE_URL', None)

    async def first_start() -> None:
        await boot.start(Settings(data_dir=data, db_url=f'sqlite://{data / "portal.db"}'), first_start_demo=True)
        await boot.stop()
    try:
        with ThreadPoolExecutor(1) as pool:        # its own event loop, whatever the test runner runs
            pool.submit(asyncio.run, first_start()).result()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return data


@pytest.fixture
def portal_env(tmp_path, monkeypatch, demo_data):
    shutil.copytree(demo_data, tmp_path / 'data')
    monkeypatch.setenv('PORTAL_DATA_DIR', str(tmp_path / 'data'))
    monkeypatch.setenv('PORTAL_DEMO_PASSWORD', DEMO_PASSWORD)
    monkeypatch.delenv('PORTAL_DB_URL', raising=False)
    monkeypatch.delenv('DATABASE_URL', raising=False)
