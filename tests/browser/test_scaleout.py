"""Two portal processes on PostgreSQL sharing Redis: a cell changed through process A appears live in a grid
open on process B, and a session signed in on A is valid on B (shared session storage)."""
from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from ..conftest import PG, drop_pg_database
from ..portal_process import PASSWORD, ROOT, start_portal, stop_portal
from .conftest import Session

REDIS = os.environ.get('PORTAL_TEST_REDIS')
pytestmark = pytest.mark.skipif(not (PG and REDIS), reason='needs PORTAL_TEST_PG and PORTAL_TEST_REDIS')


def _run(coro):
    """Playwright's sync API keeps a loop running in this thread: run the coroutine in another one."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope='module')
def two_processes(tmp_path_factory):
    from ..conftest import pg_database
    url, name = _run(pg_database())
    env = {'PORTAL_DB_URL': url, 'PORTAL_REDIS_URL': REDIS, 'NICEGUI_REDIS_KEY_PREFIX': f'{name}:'}
    a, url_a = start_portal(tmp_path_factory.mktemp('a'), env=env)        # first start: migrates, seeds
    b, url_b = start_portal(tmp_path_factory.mktemp('b'), env=env)
    yield url_a, url_b, env
    stop_portal(a)
    stop_portal(b)
    _run(drop_pg_database(name))


def _token(env: dict, user: str) -> str:
    environment = {**{k: v for k, v in os.environ.items() if not k.startswith('PYTEST_')}, **env}
    out = subprocess.run([sys.executable, '-m', 'portal', 'create-token', user, 'scaleout'], cwd=ROOT,
                         env=environment, capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def test_change_through_a_appears_live_on_b(browser, two_processes):
    url_a, url_b, env = two_processes
    viewer = Session(browser, url_a, 'warehouse')            # signs in on process A …
    try:
        viewer.url = url_b                                   # … and the same session works on process B
        viewer.open('/r/shipments')
        assert viewer.page.url.startswith(url_b) and '/login' not in viewer.page.url
        row_id = viewer.first_row_id()
        version = viewer.grid_api(f"api.getRowNode('{row_id}').data._v")
        token = _token(env, 'manager')
        headers = {'Authorization': f'Bearer {token}'}
        before = httpx.get(f'{url_b}/api/v1/status', headers=headers, timeout=30).json()
        assert before['database'] == 'postgres' and before['redis'] is True
        response = httpx.patch(f'{url_a}/api/v1/registers/shipments/rows/{row_id}', headers=headers, timeout=30,
                               json={'version': version, 'values': {'gift': '来自进程 A 的赠品'}})
        assert response.status_code == 200, response.text
        viewer.page.wait_for_function(f'''() => portalGrid.api(portalGrid.state.shipments.gridId)
            .getRowNode('{row_id}').data.gift === '来自进程 A 的赠品' ''', timeout=15000)
        after = httpx.get(f'{url_b}/api/v1/status', headers=headers, timeout=30).json()
        assert after['events_received'] > before['events_received'] and after['process'] != before.get('a')
        viewer.show_cell(row_id, 'gift')
        viewer.shot('scaleout-live-update-on-b')
    finally:
        viewer.close()
    assert PASSWORD
