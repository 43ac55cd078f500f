"""Users: argon2id hashes, administration, own password changes, and the auth middleware over real HTTP."""
from __future__ import annotations

import httpx
import pytest

from portal.errors import PortalError
from portal.people import users
from portal.store.models import User
from portal.web import auth

from .conftest import NOW, PASSWORD
from .portal_process import PASSWORD as DEMO_PASSWORD
from .portal_process import start_portal, stop_portal

STRONG = 'violet-kettle-42'


async def test_passwords_are_argon2id_hashes(engine):
    user = await users.create_user(None, username='newbie', display_name='新人', password=STRONG, roles=['staff'])
    stored = await User.get(username='newbie')
    assert stored.password_hash.startswith('$argon2id$') and STRONG not in stored.password_hash
    actor = await users.authenticate('newbie', STRONG)
    assert actor.username == 'newbie' and actor.roles == ('staff',) and user.display_name == '新人'
    with pytest.raises(PortalError) as err:
        await users.authenticate('newbie', 'wrong')
    assert err.value.message() == '用户名或密码错误'


async def test_user_validation(engine):
    with pytest.raises(PortalError, match='密码至少 8 位'):
        await users.create_user(None, username='short', display_name='', password='1234567', roles=['staff'])
    with pytest.raises(PortalError, match='没有角色 "boss"'):
        await users.create_user(None, username='someone', display_name='', password=STRONG, roles=['boss'])
    with pytest.raises(PortalError, match='已存在'):
        await users.create_user(None, username='staff', display_name='', password=STRONG, roles=['staff'])


async def test_disabled_user_cannot_log_in(engine, actors):
    await users.update_user(actors['admin'], 'ops', active=False)
    with pytest.raises(PortalError, match='已停用'):
        await users.authenticate('ops', PASSWORD)


async def test_only_admins_manage_users(engine, actors):
    with pytest.raises(PortalError):
        await users.update_user(actors['manager'], 'ops', roles=['admin'])
    assert (await User.get(username='ops')).roles == ['ops', 'staff']


async def test_the_last_admin_cannot_be_disabled_or_demoted(engine, actors):
    admin = actors['admin']
    with pytest.raises(PortalError, match='不能停用自己的账号'):
        await users.update_user(admin, 'admin', active=False)
    with pytest.raises(PortalError, match='没有可登录的管理员'):
        await users.update_user(admin, 'admin', roles=['staff'])             # would leave no admin
    stored = await User.get(username='admin')
    assert stored.active and stored.roles == ['admin']                       # nothing changed
    await users.update_user(admin, 'ops', roles=['ops', 'admin'])            # a second admin ...
    await users.update_user(admin, 'admin', roles=['manager'])               # ... then the first may step down
    second = (await users.authenticate('ops', PASSWORD))
    with pytest.raises(PortalError, match='没有可登录的管理员'):
        await users.update_user(second, 'ops', roles=['ops'])
    await users.update_user(second, 'admin', roles=['admin'])
    await users.update_user(admin, 'ops', active=False)                      # another admin remains: allowed
    assert not (await User.get(username='ops')).active


async def test_users_change_their_own_password(engine, actors):
    cs = actors['cs']
    with pytest.raises(PortalError, match='当前密码不正确'):
        await users.change_own_password(cs, 'not-my-password', 'brand-new-pass')
    with pytest.raises(PortalError, match='密码至少 8 位'):
        await users.change_own_password(cs, PASSWORD, 'short')
    with pytest.raises(PortalError, match='不能与当前密码相同'):
        await users.change_own_password(cs, PASSWORD, PASSWORD)
    await users.change_own_password(cs, PASSWORD, 'brand-new-pass')
    assert (await users.authenticate('cs', 'brand-new-pass')).username == 'cs'
    with pytest.raises(PortalError, match='用户名或密码错误'):
        await users.authenticate('cs', PASSWORD)
    for _ in range(8):                                  # wrong current passwords count as failed logins
        with pytest.raises(PortalError):
            await users.change_own_password(cs, 'guess', 'another-pass-1')
    with pytest.raises(PortalError, match='登录失败次数过多'):
        await users.change_own_password(cs, 'brand-new-pass', 'another-pass-1')


def test_allow_list():
    assert auth.allowed_without_login('/login')
    assert auth.allowed_without_login('/_nicegui/3.18.0/static/vue.js')
    assert auth.allowed_without_login('/portal-static/portal.js')
    for path in ('/', '/r/shipments', '/grid/shipments/rows', '/admin', '/regulations', '/loginx', '/settings',
                 '/_nicegui/client/abc/upload/5', '/_nicegui/auto/static/abc/export.xlsx', '/login/completex'):
        assert not auth.allowed_without_login(path), path
    assert auth.allowed_without_login('/login/complete') and auth.allowed_without_login('/logout')


@pytest.fixture(scope='module')
def portal(tmp_path_factory):
    process, url = start_portal(tmp_path_factory.mktemp('http'))
    yield url
    stop_portal(process)


def test_middleware_guards_pages_and_endpoints(portal):
    with httpx.Client(base_url=portal, follow_redirects=False, timeout=20) as client:
        page = client.get('/r/shipments')
        assert page.status_code in (302, 307) and page.headers['location'].startswith('/login?redirect_to=/r/')
        assert client.get('/admin').status_code in (302, 307)
        rows = client.post('/grid/shipments/rows', json={})
        assert rows.status_code == 401
        assert client.get('/portal-static/portal.js').status_code == 200
        assert client.get('/login').status_code == 200
        assert client.get('/healthz').json() == {'ok': True}


def test_grid_endpoint_after_login_serves_only_blocks(portal):
    """Sign in through the real login page (a browser is not needed for the session cookie check)."""
    pytest.importorskip('playwright')
    import os

    from playwright.sync_api import sync_playwright

    from .browser.conftest import ARGS, CHROMIUM
    if not os.path.exists(CHROMIUM):
        pytest.skip('chromium not installed')
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(f'{portal}/login')
        page.get_by_label('用户名').fill('warehouse')
        page.get_by_label('密码').fill(DEMO_PASSWORD)
        page.get_by_role('button', name='登录').click()
        page.wait_for_url(f'{portal}/')
        cookies = {c['name']: c['value'] for c in page.context.cookies()}
        browser.close()
    with httpx.Client(base_url=portal, cookies=cookies, timeout=20) as client:
        block = client.post('/grid/shipments/rows', json={'start': 0, 'limit': 100}).json()
        assert len(block['rows']) == 100 and all('order_amount' not in r for r in block['rows'])
        assert client.post('/grid/shipments/count', json={}).json()['count'] == 1000
        too_big = client.post('/grid/shipments/rows', json={'start': 0, 'limit': 100000})
        assert too_big.status_code == 400 and '查询参数有误' in too_big.json()['detail']
        hidden = client.post('/grid/shipments/rows', json={'sort': [{'colId': 'order_amount', 'sort': 'asc'}]})
        assert hidden.status_code == 400
        assert client.post('/grid/complaints/rows', json={}).status_code == 403     # not warehouse's register
        own = client.post('/grid/penalties/rows', json={'limit': 1000}).json()['rows']   # staff: own rows only
        assert all(r['employee'] == 'warehouse' for r in own)


async def test_a_user_made_by_another_process_is_known_within_the_directory_lifetime(engine, monkeypatch):
    """`create-user` from the CLI beside a running portal: its cached directory used to refuse the new login in user
    fields ("不是系统用户") until a restart."""
    assert 'newcomer' not in await users.directory()
    await User.create(username='newcomer', display_name='新同事', password_hash='x', roles=['staff'], created_at=NOW)
    assert 'newcomer' not in await users.directory()                     # still within the cache's lifetime
    monkeypatch.setattr(users, 'DIRECTORY_SECONDS', 0.0)
    assert (await users.directory())['newcomer'] == '新同事'
