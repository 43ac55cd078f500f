"""Shared fixtures: a real database per test (SQLite file; PostgreSQL too when PORTAL_TEST_PG is set)."""
from __future__ import annotations

import os
import shutil
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from portal import boot, users
from portal.access import Actor
from portal.config import Settings

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / 'schemas'
PG = os.environ.get('PORTAL_TEST_PG')   # e.g. postgres://postgres@127.0.0.1:5432/test
NOW = datetime(2026, 11, 27, 10, 0, 0)
PASSWORD = 'test-pass-123'
TEST_USERS = {
    'admin': ('管理员', ['admin']),
    'manager': ('王经理', ['manager', 'staff']),
    'ops': ('李运营', ['ops', 'staff']),
    'cs': ('张客服', ['cs', 'staff']),
    'designer': ('赵美工', ['designer', 'staff']),
    'warehouse': ('陈仓管', ['warehouse', 'staff']),
    'staff': ('刘员工', ['staff']),
    'staff2': ('孙员工', ['staff']),
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
    from portal.models import User
    if not _HASH:
        _HASH.append(users.hash_password(PASSWORD))
    for username, (name, roles) in TEST_USERS.items():
        await User.create(username=username, display_name=name, password_hash=_HASH[0], roles=roles, created_at=NOW)
    users.invalidate_directory()


@pytest.fixture
def actors(engine) -> dict[str, Actor]:
    return {u: Actor(username=u, display_name=n, roles=tuple(r)) for u, (n, r) in TEST_USERS.items()}


def pytest_collection_modifyitems(config, items):
    """Real-browser tests last: Playwright's sync API keeps an event loop running in the main thread for the
    whole session, which pytest-asyncio's async fixtures cannot start inside."""
    items.sort(key=lambda item: 'tests/browser/' in str(item.fspath).replace('\\', '/'))
