"""Two portal processes on PostgreSQL sharing Redis: a cell changed through process A appears live in a grid
open on process B, a session signed in on A is valid on B (sessions live in the database), and disabling a user on
A closes their page on B."""
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


def test_disabling_on_a_closes_the_users_page_on_b(browser, two_processes):
    """The admin disables a user on process A; the user's grid open on process B goes to the login page at once
    (a notice through Redis — B's sweep would take up to 30 s; B's own check of the next event needs no notice)."""
    import re
    url_a, url_b, _ = two_processes
    ops, admin = Session(browser, url_b, 'ops'), Session(browser, url_a, 'admin')
    try:
        ops.open('/r/shipments')
        admin.open('/admin')

        admin.toggle_active('ops')
        ops.page.wait_for_url(re.compile(r'/login\?.*reason=disabled'), timeout=20000)   # pushed (sweep: 30 s)
        assert ops.page.url.startswith(url_b)
        admin.toggle_active('ops')
    finally:
        ops.close()
        admin.close()


def test_stale_edits_merge_per_cell_across_processes(browser, two_processes):
    """A (process A) saves 赠品 while B (process B) has 尺码 open: B's save goes in beside it, no dialog. Then both
    edit 赠品: B's dialog names A and A's value. (The second case shows B's saves really are stale in this flow.)"""
    url_a, url_b, _ = two_processes
    a = Session(browser, url_a, 'manager')
    b = Session(browser, url_b, 'warehouse')
    try:
        a.open('/r/shipments')
        b.open('/r/shipments')
        row_id = b.first_row_id()

        def b_sees(col: str, value: str) -> None:
            b.page.wait_for_function(f'''() => portalGrid.api(portalGrid.state.shipments.gridId)
                .getRowNode('{row_id}').data.{col} === '{value}' ''', timeout=15000)

        def b_holds(col: str, value: str) -> None:
            """B's page has A's change (through Redis) but keeps it aside while B edits: B's edit stays stale."""
            b.page.wait_for_function(f'''() => ((portalGrid.pending[portalGrid.state.shipments.gridId] || {{}})
                ['{row_id}'] || {{}}).{col} === '{value}' ''', timeout=15000)

        b.show_cell(row_id, 'size').dblclick()
        editor = b.page.locator('.ag-cell-inline-editing input').first
        editor.fill('XXL')
        a.show_cell(row_id, 'gift')
        a.edit(row_id, 'gift', 'A 的赠品一')
        b_holds('gift', 'A 的赠品一')
        editor.press('Enter')
        b_sees('size', 'XXL')
        headers = {'Authorization': f'Bearer {_token(two_processes[2], "manager")}'}
        saved = httpx.get(f'{url_a}/api/v1/registers/shipments/rows/{row_id}', headers=headers, timeout=30).json()
        assert (saved['gift'], saved['size']) == ('A 的赠品一', 'XXL')
        assert b.page.locator('.q-dialog').filter(has_text='保存冲突').count() == 0

        b.show_cell(row_id, 'gift').dblclick()
        editor = b.page.locator('.ag-cell-inline-editing input').first
        editor.fill('B 的赠品')
        a.edit(row_id, 'gift', 'A 的赠品二')
        b_holds('gift', 'A 的赠品二')
        editor.press('Enter')
        dialog = b.page.locator('.q-dialog').filter(has_text='保存冲突')
        dialog.wait_for()
        assert '王经理' in dialog.inner_text() and 'A 的赠品二' in dialog.inner_text()
        b.shot('scaleout-cell-conflict')
    finally:
        a.close()
        b.close()
