"""Hot reload: the running portal watches schemas/. An admin saves a schema file with a new field and an open grid
shows the new column without anyone pressing anything; a broken save shows the problems on the page and the grid
keeps working on the last good schemas; fixing the file clears them."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import httpx

import pytest

from ..portal_process import ROOT, start_portal, stop_portal
from .conftest import Session

NEW_FIELD = '\n[[fields]]\nname = "compensation"\ntype = "money"\nlabel = "补偿金额"\nlabel_en = "Compensation"\n'
HAS_COLUMN = '''(name) => { try { const key = Object.keys(portalGrid.state)[0];
    const api = portalGrid.api(portalGrid.state[key].gridId); return !!(api && api.getColumn(name)); }
    catch (e) { return false; } }'''


@pytest.fixture(scope='module')
def watched(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('hot')
    schemas = tmp / 'schemas'
    shutil.copytree(ROOT / 'schemas', schemas)
    process, url = start_portal(tmp, env={'PORTAL_SCHEMA_DIR': str(schemas)})
    yield url, schemas, tmp
    stop_portal(process)


def test_a_saved_field_appears_in_the_open_grid_and_a_broken_save_is_shown(browser, watched):
    url, schemas, _ = watched
    path = schemas / 'registers' / 'complaints.toml'
    good = path.read_text(encoding='utf-8')
    s = Session(browser, url, 'admin')
    page = s.page
    try:
        s.open('/r/complaints')
        assert not page.evaluate(HAS_COLUMN, 'compensation')
        path.write_text(good + NEW_FIELD, encoding='utf-8')            # the admin saves the file
        page.wait_for_function(HAS_COLUMN, arg='compensation', timeout=30000)
        page.locator('.ag-center-cols-container .ag-row[row-id]').first.wait_for()
        s.shot('hot-reload-new-column')

        path.write_text(good + NEW_FIELD.replace('"money"', '"mony"'), encoding='utf-8')     # a broken save
        banner = page.locator('.bg-red-1').filter(has_text='模式文件有 1 处问题')
        banner.wait_for(timeout=30000)
        at = good.count('[[fields]]')            # the new field is the last one
        assert f"fields[{at}] (compensation).type: unknown type 'mony'" in banner.inner_text()
        assert page.evaluate(HAS_COLUMN, 'compensation')          # the grid keeps the last good schemas
        row_id = s.first_row_id()
        s.edit(row_id, 'content', '热重载期间的修改')
        page.wait_for_function(f'''() => {{ const c = document.querySelector(
            '.ag-center-cols-container .ag-row[row-id="{row_id}"] [col-id="content"]');
            return c && c.textContent.includes('热重载期间的修改'); }}''', timeout=15000)
        s.shot('hot-reload-broken-save')

        path.write_text(good + NEW_FIELD, encoding='utf-8')        # fixed: the problems go away by themselves
        banner.wait_for(state='detached', timeout=30000)
    finally:
        path.write_text(good, encoding='utf-8')
        s.close()


def test_others_do_not_see_the_problems(browser, watched):
    url, schemas, _ = watched
    path = schemas / 'registers' / 'returns.toml'
    good = path.read_text(encoding='utf-8')
    admin, staff = Session(browser, url, 'admin'), Session(browser, url, 'cs')
    try:
        admin.page.goto(f'{url}/')
        staff.page.goto(f'{url}/')
        path.write_text(good.replace('type = "date"', 'type = "dat"', 1), encoding='utf-8')
        admin.page.locator('.bg-red-1').filter(has_text='模式文件有').wait_for(timeout=30000)
        assert staff.page.locator('.bg-red-1').count() == 0
    finally:
        path.write_text(good, encoding='utf-8')
        admin.close()
        staff.close()


def test_a_rename_waits_for_the_admin_who_reads_the_plan_and_applies_it(browser, watched):
    url, schemas, _ = watched
    path = schemas / 'registers' / 'complaints.toml'
    good = path.read_text(encoding='utf-8')
    s = Session(browser, url, 'admin')
    page = s.page
    try:
        s.open('/r/complaints')
        row_id = s.first_row_id()
        phone = s.cell(row_id, 'customer_phone').inner_text()
        path.write_text(good.replace('name = "customer_phone"', 'name = "contact_phone"\n'
                                     'renamed_from = "customer_phone"', 1), encoding='utf-8')
        banner = page.locator('.bg-amber-1').filter(has_text='需要改动已存的数据')
        banner.wait_for(timeout=30000)                      # every page tells the admin; nothing switched yet
        assert 'complaints: rename column "customer_phone" → "contact_phone"' in banner.inner_text()
        assert page.evaluate(HAS_COLUMN, 'customer_phone') and not page.evaluate(HAS_COLUMN, 'contact_phone')
        s.shot('migration-pending-banner')

        banner.get_by_role('link', name='查看迁移计划').click()
        card = page.locator('#migration')
        card.wait_for()
        assert '⚠ complaints: rename column "customer_phone" → "contact_phone"' in card.inner_text()
        s.shot('migration-pending-plan')
        card.get_by_role('button', name='应用迁移').click()
        page.get_by_text('迁移已应用,模式已切换').wait_for()
        card.wait_for(state='detached')

        s.open('/r/complaints')
        page.wait_for_function(HAS_COLUMN, arg='contact_phone')
        assert s.cell(row_id, 'contact_phone').inner_text() == phone        # the data moved with the column
    finally:
        path.write_text(good, encoding='utf-8')
        s.close()


def test_the_api_shows_the_pending_plan_and_applies_only_the_plan_read(watched):
    url, schemas, data = watched
    path = schemas / 'registers' / 'returns.toml'
    good = path.read_text(encoding='utf-8')
    environment = {**{k: v for k, v in os.environ.items() if not k.startswith('PYTEST_')},
                   'PORTAL_DATA_DIR': str(data), 'PORTAL_SCHEMA_DIR': str(schemas)}

    def api(user: str) -> httpx.Client:
        token = subprocess.run([sys.executable, '-m', 'portal', 'create-token', user, 'hot'], cwd=ROOT,
                               env=environment, capture_output=True, text=True, check=True).stdout.split()[-1]
        return httpx.Client(base_url=f'{url}/api/v1', headers={'Authorization': f'Bearer {token}'}, timeout=60)
    admin, cs = api('admin'), api('cs')
    try:
        name = 'remark'                                  # named by no rule, role or other register
        path.write_text(good.replace(f'name = "{name}"', f'name = "{name}_moved"\nrenamed_from = "{name}"', 1),
                        encoding='utf-8')
        answer = admin.post('/admin/reload-schemas').json()
        held = f'returns: rename column "{name}" → "{name}_moved"'
        assert answer['ok'] is True and answer['pending']['held'] == [held], answer
        assert cs.post('/admin/apply-migration', json={'steps': answer['pending']['steps']}).status_code == 403
        assert cs.get('/status').json()['schema_pending'] is None               # the plan is for admins
        stale = admin.post('/admin/apply-migration', json={'steps': [held]}).json()
        assert stale['ok'] is False and stale['pending']['held'] == [held]       # not the plan as it stands
        done = admin.post('/admin/apply-migration', json={'steps': answer['pending']['steps']}).json()
        assert done['ok'] is True and done['pending'] is None, done
        fields = [f['name'] for f in admin.get('/registers/returns').json()['fields']]
        assert f'{name}_moved' in fields and name not in fields
    finally:
        path.write_text(good, encoding='utf-8')
