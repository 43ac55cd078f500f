"""Sessions in real Chromium: a fresh cookie at login and redirects that stay on this site; an open grid of a user
who was disabled, or whose session went idle, saves nothing and lands on the login page."""
from __future__ import annotations

import base64
import json
import re
import sqlite3
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from ..portal_process import PASSWORD, start_portal, stop_portal
from .conftest import Session

IDLE_SECONDS = 15
EVIL = ['/\\evil.example/x', '/\t/evil.example/x', '//evil.example', 'https://evil.example', 'javascript:alert(1)',
        '/\\\t/evil.example']


@pytest.fixture(scope='module')
def quick_portal(tmp_path_factory):
    """A portal of its own whose sessions go idle after 15 s; its sweep is slowed down, so that what refuses the
    edit below is the check of the event itself (the sweep is tested on its own in tests/test_session_pages.py)."""
    folder = tmp_path_factory.mktemp('quick')
    process, url = start_portal(folder, env={'PORTAL_SESSION_IDLE_MINUTES': str(IDLE_SECONDS / 60),
                                             'PORTAL_SESSION_SWEEP_SECONDS': '3600'})
    yield url, folder / 'portal.db'
    stop_portal(process)


def cookie_id(context) -> dict:
    value = next(c['value'] for c in context.cookies() if c['name'] == 'session')
    data = value.split('.', 1)[0]
    return json.loads(base64.b64decode(data + '=' * (-len(data) % 4)))


def sign_in(page, url: str, user: str, target: str = '') -> None:
    page.goto(f'{url}/login' + (f'?redirect_to={quote(target, safe="")}' if target else ''))
    page.get_by_label('用户名').fill(user)
    page.get_by_label('密码').fill(PASSWORD)
    page.get_by_role('button', name='登录').click()
    # past the login page and its hand-off (/login/complete sets the fresh cookie, then redirects)
    page.wait_for_url(lambda url: not urlsplit(url).path.startswith('/login'))


def row_state(db: Path, row_id: int) -> tuple:
    with sqlite3.connect(db) as conn:
        quantity, version = conn.execute('SELECT quantity, version FROM shipments WHERE id = ?', (row_id,)).fetchone()
        audits = conn.execute("SELECT count(*) FROM portal_audit WHERE register = 'shipments' AND row_id = ?",
                              (row_id,)).fetchone()[0]
    return quantity, version, audits


def test_login_gives_a_fresh_cookie_and_redirects_stay_on_this_site(browser, portal_url):
    context = browser.new_context()
    page = context.new_page()
    try:
        for target in EVIL + ['/r/shipments?queue=to_ship']:
            page.goto(f'{portal_url}/login')
            before = cookie_id(context)
            sign_in(page, portal_url, 'designer', target)
            after = cookie_id(context)
            assert after['id'] != before['id'] and after['sid'] and 'sid' not in before
            expected = '/r/shipments?queue=to_ship' if target.startswith('/r/') else '/'
            assert page.url == f'{portal_url}{expected}', (target, page.url)
            page.goto(f'{portal_url}/logout')
            # the login page; logging out also sends the page being left there (with its way back), and that
            # navigation may win the race against this one
            page.wait_for_url(lambda url: urlsplit(url).path == '/login')
    finally:
        context.close()


def test_disabling_a_user_sends_their_open_page_to_the_login_page(session_factory, portal_url):
    ops = session_factory('ops')
    ops.open('/r/shipments')
    admin = session_factory('admin')
    admin.open('/admin')

    admin.toggle_active('ops')
    started = time.monotonic()
    # pushed, not swept (the sweep comes every 30 s): bounded well under that, with room for a busy machine
    ops.page.wait_for_url(re.compile(r'/login\?.*reason=disabled'), timeout=20000)
    assert time.monotonic() - started < 20
    ops.page.get_by_text('您的账号或密码已变更,请重新登录').wait_for()
    ops.shot('sessions-disabled-page-closed')
    ops.page.get_by_label('用户名').fill('ops')
    ops.page.get_by_label('密码').fill(PASSWORD)
    ops.page.get_by_role('button', name='登录').click()
    ops.page.get_by_text('该账号已停用,请联系管理员').wait_for()
    admin.toggle_active('ops')                                     # enabled again: the user signs in anew
    ops.login('ops')


def test_the_open_grid_of_a_disabled_user_saves_nothing(browser, quick_portal):
    url, db = quick_portal
    s = Session(browser, url, 'warehouse')
    try:
        s.open('/r/shipments')
        row_id = s.first_row_id()
        before = row_state(db, row_id)
        with sqlite3.connect(db) as conn:            # what another portal process's admin did (its notice is lost)
            conn.execute("UPDATE portal_users SET active = 0 WHERE username = 'warehouse'")
            conn.execute("UPDATE portal_sessions SET ended_at = datetime('now'), end_reason = 'disabled' "
                         "WHERE username = 'warehouse' AND ended_at IS NULL")
        s.edit(row_id, 'quantity', str(before[0] + 3))
        s.page.wait_for_url(re.compile(r'/login\?.*reason=disabled'))
        s.page.get_by_text('您的账号或密码已变更,请重新登录').wait_for()
        s.shot('sessions-disabled-grid-refused')
        assert row_state(db, row_id) == before                      # value, version and history untouched
    finally:
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE portal_users SET active = 1 WHERE username = 'warehouse'")
        s.close()


def test_an_idle_grid_saves_nothing_and_lands_on_the_login_page(browser, quick_portal):
    url, db = quick_portal
    s = Session(browser, url, 'warehouse')
    try:
        s.open('/r/shipments')
        row_id = s.first_row_id()
        before = row_state(db, row_id)
        s.show_cell(row_id, 'quantity')
        s.page.wait_for_timeout((IDLE_SECONDS + 2) * 1000)         # nobody touches the page
        assert '/r/shipments' in s.page.url                         # nobody swept it either (see the fixture)
        s.edit(row_id, 'quantity', str(before[0] + 4))
        s.page.wait_for_url(re.compile(r'/login\?.*reason=idle'))
        s.page.get_by_text('长时间未操作,已自动退出,请重新登录').wait_for()
        assert row_state(db, row_id) == before
        s.login('warehouse')                                         # and back to work after signing in
        s.open('/r/shipments')
        s.edit(row_id, 'quantity', str(before[0] + 4))
        s.page.wait_for_function(f'''() => portalGrid.api(portalGrid.state.shipments.gridId)
            .getRowNode('{row_id}').data.quantity === {before[0] + 4}''')
        assert row_state(db, row_id)[0] == before[0] + 4
    finally:
        s.close()
