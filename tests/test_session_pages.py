"""Sessions seen from the pages (NiceGUI's `user` fixture on the real app): a fresh cookie at login, open pages
that stop acting and go to the login page when their session ends, weak passwords changed first."""
from __future__ import annotations

import asyncio
import base64
import json
from datetime import timedelta

import httpx
import pytest
from nicegui import core, ui
from nicegui.testing import User

from portal.people import sessions, users
from portal.runtime import rt
from portal.schema import Actor
from portal.store import db
from portal.store.models import AuditEntry, Session
from portal.store.models import User as UserRow
from portal.ui import session_gate

from .portal_process import PASSWORD

ADMIN = Actor(username='admin', roles=('admin',))
pytestmark = pytest.mark.usefixtures('portal_env')     # each test on a copy of the demo database


async def login(user: User, username: str, password: str = PASSWORD) -> None:
    await user.open('/login')
    user.find(marker='username').type(username)
    user.find(marker='password').type(password)
    user.find(marker='login').click()
    await user.should_see(marker='page-title', retries=50)


def cookie(value: str) -> dict:
    """The content of Starlette's signed session cookie (base64 JSON before the signature)."""
    data = value.split('.', 1)[0]
    return json.loads(base64.b64decode(data + '=' * (-len(data) % 4)))


async def open_grid(user: User) -> tuple[ui.aggrid, dict]:
    await user.open('/r/shipments')
    grid = user.find(ui.aggrid).elements.pop()
    row = (await db.row_model('shipments').all().order_by('id').limit(1).values())[0]
    return grid, row


def socket_edit(user: User, grid: ui.aggrid, row: dict, quantity: int) -> None:
    """A cell edit as the browser's socket delivers it: through the client's event door (where the gate stands)."""
    listener = next(i for i, lst in grid._event_listeners.items() if lst.type == 'cellValueChanged')
    args = {'source': 'edit', 'colId': 'quantity', 'newValue': quantity,
            'data': {'id': row['id'], '_v': row['version']}}
    user.client.handle_event({'id': grid.id, 'listener_id': listener, 'args': [json.dumps(args)]})


async def quantity(row_id: int) -> int:
    return (await db.row_model('shipments').get(id=row_id)).quantity


async def test_login_starts_the_session_in_a_fresh_cookie(user: User):
    await user.open('/login')
    planted = user.http_client.cookies['session']                  # what an attacker could have fixed beforehand
    await login(user, 'warehouse')
    before, after = cookie(planted), cookie(user.http_client.cookies['session'])
    assert after['id'] != before['id'] and 'sid' not in before and after['sid']
    assert await Session.exists(key=sessions.digest(after['sid']), username='warehouse', ended_at=None)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(core.app), base_url='http://test',
                                 cookies={'session': planted}) as attacker:
        assert (await attacker.get('/r/shipments')).status_code == 307            # the old cookie is no one
        assert (await attacker.get('/api/v1/openapi.json')).status_code == 401
    assert (await user.http_client.get('/api/v1/openapi.json')).json()['info']['title'].startswith('运营台')


async def test_a_login_ticket_does_not_work_in_another_browser(user: User):
    await user.open('/login')
    ticket = await sessions.begin('admin', browser=cookie(user.http_client.cookies['session'])['id'])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(core.app), base_url='http://test') as other:
        done = await other.get(f'/login/complete?ticket={ticket}&redirect_to=/admin')
        assert done.headers['location'] == '/login' and 'sid' not in cookie(other.cookies['session'])
    done = await user.http_client.get(f'/login/complete?ticket={ticket}&redirect_to=/%09/evil.example')
    assert done.headers['location'] == '/' and cookie(user.http_client.cookies['session'])['sid']  # not away


async def test_the_open_page_of_a_disabled_user_goes_to_the_login_page(user: User):
    await login(user, 'warehouse')
    await open_grid(user)
    await users.update_user(ADMIN, 'warehouse', active=False)
    await user.should_see(marker='session-ended', retries=50)
    await user.should_see('您的账号或密码已变更,请重新登录')


async def test_an_event_after_the_session_ended_elsewhere_changes_nothing(user: User):
    """Another process disabled the user (its notice never came): the page's next event finds out by itself."""
    await login(user, 'warehouse')
    grid, row = await open_grid(user)
    socket_edit(user, grid, row, 7)
    for _ in range(50):
        if await quantity(row['id']) == 7:
            break
        await asyncio.sleep(0.05)
    assert await quantity(row['id']) == 7                             # the door works while the session lives
    await UserRow.filter(username='warehouse').update(active=False)
    await Session.filter(username='warehouse').update(ended_at=rt().now(), end_reason='disabled')
    row = (await db.row_model('shipments').filter(id=row['id']).values())[0]
    entries = await AuditEntry.filter(register='shipments', row_id=row['id']).count()
    socket_edit(user, grid, row, 9)
    await user.should_see(marker='session-ended', retries=50)
    assert await quantity(row['id']) == 7 and await AuditEntry.filter(register='shipments',
                                                                        row_id=row['id']).count() == entries


async def test_an_idle_page_refuses_its_next_event_and_the_sweep_closes_idle_pages(user: User):
    await login(user, 'warehouse')
    grid, row = await open_grid(user)
    start = rt().now()
    rt().clock = lambda: start + timedelta(minutes=31)
    socket_edit(user, grid, row, 5)
    await user.should_see('长时间未操作,已自动退出,请重新登录', retries=50)
    assert await quantity(row['id']) == row['quantity']
    rt().clock = None
    await login(user, 'warehouse')
    await user.open('/r/shipments')
    assert '/r/shipments' in [g.path for g in session_gate.open_pages('warehouse')]
    rt().clock = lambda: start + timedelta(minutes=62)
    await session_gate.recheck(session_gate.open_pages())             # what the periodic sweep does
    await user.should_see('长时间未操作,已自动退出,请重新登录', retries=50)
    assert session_gate.open_pages() == []


async def test_a_weak_password_is_changed_before_anything_else(user: User):
    await user.open('/login')
    await UserRow.filter(username='staff').update(password_hash=users.hash_password('staff123'))
    await login(user, 'staff', 'staff123')
    await user.should_see(marker='password-due')                       # sent to the password form first
    await user.open('/r/attendance')
    await user.should_see(marker='password-due')                       # and nowhere else until it is changed
    user.find(marker='password-current').type('staff123')
    user.find(marker='password-new').type('staff')
    user.find(marker='password-repeat').type('staff')
    user.find(marker='password-change').click()
    await user.should_see('密码至少 8 位', retries=50)
    for box, text in (('password-current', 'staff123'), ('password-new', 'lantern-orbit-73'),
                      ('password-repeat', 'lantern-orbit-73')):
        user.find(marker=box).clear().type(text)
    user.find(marker='password-change').click()
    await user.should_see('你好,刘员工', retries=50)                     # home, at last
    assert not (await UserRow.get(username='staff')).password_change_due


async def test_the_language_chosen_in_the_header_outlives_the_session(user: User):
    await login(user, 'cs')
    await user.should_not_see('Home')
    user.find(marker='lang').click()
    await user.should_see('Home', retries=50)
    await user.open('/logout')
    await login(user, 'cs')                                            # a new cookie, a new browser storage ...
    await user.should_see('Home')                                      # ... and still English (kept on the user)
    assert (await UserRow.get(username='cs')).lang == 'en'


async def test_a_page_skips_its_own_change_events_and_follows_everyone_elses(user: User):
    """The editor's page already shows the row it saved: its own change event does not make it read the row again;
    a change made anywhere else does."""
    from portal.events import ChangeEvent
    applied, heard = [], []
    await login(user, 'warehouse')
    grid, row = await open_grid(user)
    page = next(listener.__self__ for listener in rt().bus._listeners['shipments']
                if getattr(listener, '__self__', None) is not None and listener.__self__.grid is grid)
    page._apply_change = lambda event: applied.append(event) or asyncio.sleep(0)
    rt().bus.subscribe('shipments', heard.append)
    socket_edit(user, grid, row, 6)
    for _ in range(50):
        if heard:
            break
        await asyncio.sleep(0.05)
    assert [e.client for e in heard] == [user.client.id] and applied == []      # its own: skipped
    await rt().bus.publish(ChangeEvent('shipments', (row['id'],), 'update', 'cs', ('quantity',), client='another'))
    assert [e.client for e in applied] == ['another']
