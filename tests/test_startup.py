"""Starting the portal as an administrator does: wrong addresses are one clear line and a non-zero exit, several
processes started at the same instant all come up (on a fresh database and with a migration pending), and two
deployments sharing one Redis never see each other's changes."""
from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from .conftest import PG, SCHEMAS, drop_pg_database, pg_database
from .portal_process import PASSWORD, ROOT, spawn_portal, stop_portal, wait_ready

REDIS = os.environ.get('PORTAL_TEST_REDIS')
needs_pg = pytest.mark.skipif(not PG, reason='needs PORTAL_TEST_PG')


def _portal(args: list[str], env: dict, cwd: Path, timeout: float = 30) -> tuple[int, str, str, float]:
    environment = {**{k: v for k, v in os.environ.items() if not k.startswith('PYTEST_')},
                   'PORTAL_SCHEMA_DIR': str(SCHEMAS), 'PORTAL_LANG': 'en', **env}
    began = time.monotonic()
    done = subprocess.run([sys.executable, '-m', 'portal', *args], cwd=cwd, env=environment, capture_output=True,
                          text=True, timeout=timeout)
    return done.returncode, done.stdout, done.stderr, time.monotonic() - began


def _one_line_refusal(code: int, out: str, err: str, seconds: float, expected: str) -> None:
    assert code != 0 and seconds < 10, (code, seconds)
    lines = [line for line in (out + err).splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], lines
    assert 'Traceback' not in out + err


@pytest.mark.parametrize('url, reason', [
    ('redis://127.0.0.1:6390/0', '6390'),                 # nothing listens there
    ('redis://127.0.0.1:6379/99', 'DB index is out of range'),
    ('http://127.0.0.1:6379', 'redis://'),                # not a Redis URL at all
])
def test_a_wrong_redis_url_stops_the_start_with_one_line(tmp_path, url, reason):
    code, out, err, seconds = _portal(['run', '--port', '1'], {'PORTAL_REDIS_URL': url,
                                                              'PORTAL_DATA_DIR': str(tmp_path)}, tmp_path)
    _one_line_refusal(code, out, err, seconds, 'Cannot connect to Redis')
    assert reason in out + err
    assert not (tmp_path / 'portal.db').exists()            # refused before anything was made


@pytest.mark.parametrize('url, reason', [
    ('postgres://postgres:secret@127.0.0.1:5999/test', 'Connect call failed'),
    ('postgres://postgres@host.invalid:5432/test', 'Name or service not known'),
])
@pytest.mark.parametrize('command', [['run', '--port', '1'], ['migrate'], ['import', 'shipments', 'x.csv', '--as', 'admin'],
                                     ['seed', '--rows', '1']])
def test_a_wrong_database_url_is_one_line_for_every_command(tmp_path, url, reason, command):
    code, out, err, seconds = _portal(command, {'PORTAL_DB_URL': url, 'PORTAL_DATA_DIR': str(tmp_path)}, tmp_path)
    _one_line_refusal(code, out, err, seconds, 'Cannot connect to the database')
    assert reason in err and 'secret' not in err


def test_backup_and_restore_refusals_are_one_line(tmp_path):
    env = {'PORTAL_DATA_DIR': str(tmp_path / 'data'), 'PORTAL_SEED_DEMO': '0', 'PORTAL_DEMO_PASSWORD': PASSWORD}
    assert _portal(['migrate'], env, tmp_path)[0] == 0
    (tmp_path / 'junk.db').write_text('not a database')
    cases = [(['restore', str(tmp_path / 'missing.db')], 'No such file'),
             (['restore', str(tmp_path / 'junk.db')], 'failed its check'),
             (['backup'], 'pg_dump')]
    for args, expected in cases:
        extra = {'PORTAL_DB_URL': 'postgres://postgres@127.0.0.1:5432/test'} if args == ['backup'] else {}
        code, out, err, seconds = _portal(args, {**env, **extra}, tmp_path)
        _one_line_refusal(code, out, err, seconds, expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['data', 'junk.db']      # no -wal/-shm left beside it
    assert (tmp_path / 'data').stat().st_mode & 0o777 == 0o700
    code, out, _, _ = _portal(['backup'], env, tmp_path)
    made = Path(out.strip().rsplit(' ', 1)[-1])
    assert code == 0 and made.exists()
    assert _portal(['restore', str(made)], env, tmp_path)[0] == 0
    left = sorted(p.name for p in (tmp_path / 'data').rglob('*') if p.is_file())
    assert not any(name.endswith(('-wal', '-shm', '.partial')) for name in left), left


def _start_together(count: int, folder: Path, env: dict) -> list[tuple[subprocess.Popen, str, Path]]:
    started = []
    for i in range(count):
        home = folder / f'p{i}'
        home.mkdir(parents=True)
        started.append((*spawn_portal(home, env=env), home))
    for process, url, home in started:
        wait_ready(process, url, home)
    return started


def _run(coro):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _pg_fetch(url: str, sql: str):
    import asyncpg
    conn = await asyncpg.connect('postgresql://' + url.split('://', 1)[1])
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()


@needs_pg
def test_three_processes_started_at_once_all_serve_fresh_and_with_a_migration_pending(tmp_path):
    url, name = _run(pg_database())
    schemas = tmp_path / 'schemas'
    shutil.copytree(SCHEMAS, schemas)
    env = {'PORTAL_DB_URL': url, 'PORTAL_SCHEMA_DIR': str(schemas), 'PORTAL_SEED_DEMO': '0',
           'PORTAL_SINGLE_PROCESS': '1'}
    try:
        first = _start_together(3, tmp_path / 'fresh', env)
        for process, _, _ in first:
            stop_portal(process)
        logs = [(home / 'portal.log').read_text() for _, _, home in first]
        assert sum('demo logins' in log for log in logs) == 1, logs
        assert not any('Traceback' in log for log in logs), logs
        users = _run(_pg_fetch(url, 'SELECT username, count(*) AS n FROM portal_users GROUP BY username'))
        assert users and all(row['n'] == 1 for row in users)

        text = (schemas / 'registers' / 'shipments.toml').read_text(encoding='utf-8')
        (schemas / 'registers' / 'shipments.toml').write_text(
            text + '\n[[fields]]\nname = "started_together"\nlabel = "同时启动"\ntype = "text"\n', encoding='utf-8')
        second = _start_together(3, tmp_path / 'pending', env)
        for process, served, _ in second:
            assert httpx.get(f'{served}/healthz', timeout=10).status_code == 200
            stop_portal(process)
        logs = [(home / 'portal.log').read_text() for _, _, home in second]
        assert not any('Traceback' in log or 'demo logins' in log for log in logs), logs
        columns = _run(_pg_fetch(url, "SELECT column_name FROM information_schema.columns "
                                      "WHERE table_name = 'shipments' AND column_name = 'started_together'"))
        assert len(columns) == 1
    finally:
        _run(drop_pg_database(name))


@pytest.mark.skipif(not (PG and REDIS), reason='needs PORTAL_TEST_PG and PORTAL_TEST_REDIS')
def test_two_deployments_on_one_redis_do_not_hear_each_other(tmp_path):
    databases = [_run(pg_database()), _run(pg_database())]
    processes = []
    try:
        urls = []      # deployment A on the first database (two processes), deployment B on the second
        for i, (url, _) in enumerate([databases[0], databases[0], databases[1]]):
            home = tmp_path / f'p{i}'
            home.mkdir()
            env = {'PORTAL_DB_URL': url, 'PORTAL_REDIS_URL': REDIS, 'PORTAL_SEED_DEMO': '0'}
            process, served = spawn_portal(home, env=env)
            wait_ready(process, served, home)
            processes.append(process)
            urls.append((served, env))
        headers = [_token(env) for _, env in urls]

        def status(i: int) -> dict:
            return httpx.get(f'{urls[i][0]}/api/v1/status', headers=headers[i], timeout=30).json()
        assert status(0)['deployment'] == status(1)['deployment'] != status(2)['deployment']
        for i in range(5):
            response = httpx.post(f'{urls[0][0]}/api/v1/registers/shipments/rows', headers=headers[0], timeout=30,
                                  json={'values': {'order_no': f'DEP-{i}', 'platform': '天猫', 'sku': 'A-1',
                                                   'quantity': 1, 'courier': '顺丰'}})
            assert response.status_code in (200, 201), response.text
        deadline = time.monotonic() + 20
        while status(1)['events_received'] < 5:         # A's other process hears them …
            assert time.monotonic() < deadline, status(1)
            time.sleep(0.1)
        assert status(2)['events_received'] == 0         # … the other deployment, on the same Redis, does not
    finally:
        for process in processes:
            stop_portal(process)
        for _, name in databases:
            _run(drop_pg_database(name))


def _token(env: dict) -> dict:
    return {'Authorization': f'Bearer {_token_of(env, "admin")}'}


def test_refusal_lines_never_print_a_password():
    from portal.errors import redact
    assert redact('postgres://ops:s3cret@db:5432/portal') == 'postgres://ops:***@db:5432/portal'
    assert redact('redis://:pw@127.0.0.1:6379/0') == 'redis://:***@127.0.0.1:6379/0'
    assert redact('sqlite://data/portal.db') == 'sqlite://data/portal.db'
    assert re.fullmatch(r'postgres://u@h/d', redact('postgres://u@h/d'))


@pytest.mark.skipif(not (PG and REDIS), reason='needs PORTAL_TEST_PG and PORTAL_TEST_REDIS')
def test_a_schema_reload_reaches_every_process(tmp_path):
    url, name = _run(pg_database())
    schemas = tmp_path / 'schemas'
    shutil.copytree(SCHEMAS, schemas)
    env = {'PORTAL_DB_URL': url, 'PORTAL_REDIS_URL': REDIS, 'PORTAL_SCHEMA_DIR': str(schemas),
           'PORTAL_SEED_DEMO': '0'}
    started = _start_together(2, tmp_path, env)
    try:
        headers = _token(env)
        url_a, url_b = started[0][1], started[1][1]
        created = httpx.post(f'{url_b}/api/v1/registers/shipments/rows', headers=headers, timeout=30,
                             json={'values': {'order_no': 'RL-1', 'platform': '天猫', 'sku': 'A-1', 'quantity': 1,
                                              'courier': '顺丰'}}).json()
        text = (schemas / 'registers' / 'shipments.toml').read_text(encoding='utf-8')
        (schemas / 'registers' / 'shipments.toml').write_text(
            text + '\n[[fields]]\nname = "reloaded_everywhere"\nlabel = "各进程生效"\ntype = "text"\n', encoding='utf-8')
        answer = httpx.post(f'{url_a}/api/v1/admin/reload-schemas', headers=headers, timeout=60).json()
        assert answer['ok'] is True, answer
        patch = {'version': created['_v'] if '_v' in created else created['version'],
                 'values': {'reloaded_everywhere': '是'}}
        deadline = time.monotonic() + 20
        while True:                                  # process B reloads on A's notice (through Redis)
            response = httpx.patch(f'{url_b}/api/v1/registers/shipments/rows/{created["id"]}', headers=headers,
                                   json=patch, timeout=30)
            if response.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert response.status_code == 200, response.text
        status_b = httpx.get(f'{url_b}/api/v1/status', headers=headers, timeout=30).json()
        assert status_b['schema_reload']['ok'] is True
        refused = httpx.post(f'{url_b}/api/v1/admin/reload-schemas', timeout=30,
                             headers={'Authorization': f'Bearer {_token_of(env, "ops")}'})
        assert refused.status_code == 403
    finally:
        for process, _, _ in started:
            stop_portal(process)
        _run(drop_pg_database(name))


def _token_of(env: dict, user: str) -> str:
    environment = {**{k: v for k, v in os.environ.items() if not k.startswith('PYTEST_')}, **env}
    out = subprocess.run([sys.executable, '-m', 'portal', 'create-token', user, 'startup-test'], cwd=ROOT,
                         env=environment, capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


@pytest.mark.skipif(not REDIS, reason='needs PORTAL_TEST_REDIS')
async def test_browser_storage_keys_in_redis_get_the_session_lifetime():
    import redis.asyncio as redis

    from portal.events import EventBus
    from portal.store.redis_events import RedisBridge
    prefix = f'portal:test{os.getpid()}:nicegui:'
    bridge = RedisBridge(REDIS, EventBus(), f'test{os.getpid()}')
    client = redis.from_url(REDIS)
    try:
        await client.set(f'{prefix}user-abc', '{}')
        await client.set(f'{prefix}user-kept', '{}', ex=50)
        await client.set(f'{prefix}tab-xyz', '{}')                 # not a browser's storage: left alone
        assert await bridge.expire_browser_storage(prefix, 3600) == 1
        assert 3590 <= await client.ttl(f'{prefix}user-abc') <= 3600
        assert await client.ttl(f'{prefix}user-kept') <= 50 and await client.ttl(f'{prefix}tab-xyz') == -1
    finally:
        await client.delete(f'{prefix}user-abc', f'{prefix}user-kept', f'{prefix}tab-xyz')
        await client.aclose()
        await bridge.stop()
