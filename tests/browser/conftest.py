"""Real headless Chromium (Debian's /usr/bin/chromium) against a real portal process on a free port."""
from __future__ import annotations

import os
import re
import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ..portal_process import PASSWORD, start_portal, stop_portal

SHOTS = Path(__file__).parent / 'screenshots'
_PORTAL_LOGS: list[Path] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test shows the end of the shared portal's log beside its traceback (what the server did)."""
    outcome = yield
    report = outcome.get_result()
    if report.when == 'call' and report.failed and 'portal_url' in item.fixturenames and _PORTAL_LOGS:
        lines = _PORTAL_LOGS[-1].read_text(errors='replace').splitlines()[-80:]
        report.sections.append(('portal log (last 80 lines)', '\n'.join(lines)))
CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage']


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    if os.environ.get('PORTAL_REQUIRE_BROWSER') == '1':
        raise pytest.UsageError(f'Chromium not found at {CHROMIUM}; install Debian chromium (see .ci/run)')
    skip = pytest.mark.skip(reason='Debian chromium not installed')
    for item in items:
        if 'browser' in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope='session')
def portal_dir(tmp_path_factory) -> Path:
    """The shared portal's data folder (its SQLite file is portal.db)."""
    return tmp_path_factory.mktemp('portal')


@pytest.fixture(scope='session')
def portal_url(portal_dir):
    process, url = start_portal(portal_dir)
    _PORTAL_LOGS.append(portal_dir / 'portal.log')
    yield url
    stop_portal(process)


@pytest.fixture(scope='module')
def browser():
    """Chromium for one module: Playwright's sync API runs an event loop in the main thread while it is up, and
    the async tests a worker may run after the browser group must not find one."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def portal_today() -> date:
    """The department's today: the portal's clock runs in its own time zone, not the machine's (from 16:00 UTC on,
    Shanghai is a day ahead, and a test using the machine's date would type yesterday)."""
    return datetime.now(ZoneInfo(os.environ.get('PORTAL_TZ', 'Asia/Shanghai'))).date()


class Session:
    """One signed-in browser context (its own cookies) with helpers for the grid."""

    def __init__(self, browser, url: str, user: str) -> None:
        self.url, self.user = url, user
        self.context = browser.new_context(viewport={'width': 1500, 'height': 900}, locale='zh-CN')
        self.context.grant_permissions(['clipboard-read', 'clipboard-write'], origin=url)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.login(user)

    def login(self, user: str, password: str = PASSWORD) -> None:
        page = self.page
        page.goto(f'{self.url}/login')
        page.get_by_label('用户名').fill(user)
        page.get_by_label('密码').fill(password)
        page.get_by_role('button', name='登录').click()
        page.wait_for_url(f'{self.url}/')

    def open(self, path: str) -> None:
        self.page.goto(f'{self.url}{path}')
        if path.startswith('/r/'):
            self.page.locator('.ag-center-cols-container .ag-row[row-id]').first.wait_for()

    def cell(self, row_id: int, col: str):
        return self.page.locator(f'.ag-center-cols-container .ag-row[row-id="{row_id}"] [col-id="{col}"], '
                                 f'.ag-pinned-left-cols-container .ag-row[row-id="{row_id}"] [col-id="{col}"]').first

    def show_cell(self, row_id: int, col: str):
        """Scroll the grid so the cell is rendered (AG Grid virtualises rows and columns)."""
        self.grid_api(f"(api.ensureColumnVisible('{col}'), api.ensureNodeVisible(api.getRowNode('{row_id}')), 1)")
        cell = self.cell(row_id, col)
        cell.wait_for()
        return cell

    def edit(self, row_id: int, col: str, text: str) -> None:
        cell = self.show_cell(row_id, col)
        cell.dblclick()
        editor = self.page.locator('.ag-cell-inline-editing input, .ag-popup-editor textarea').first
        editor.fill(text)
        editor.press('Enter')

    def first_row_id(self) -> int:
        return int(self.page.locator('.ag-center-cols-container .ag-row[row-id]').first.get_attribute('row-id'))

    def tick(self, *row_ids: int) -> None:
        """Tick rows' selection checkboxes (in the pinned left column)."""
        for row_id in row_ids:
            self.page.locator(f'.ag-pinned-left-cols-container .ag-row[row-id="{row_id}"] '
                              f'input[type=checkbox]').first.check()

    def grid_api(self, expression: str):
        return self.page.evaluate(f'''() => {{ const key = Object.keys(portalGrid.state)[0];
            const api = portalGrid.api(portalGrid.state[key].gridId); return {expression}; }}''')

    def toggle_active(self, login: str) -> None:
        """On /admin: flip a user's 启用 switch and save; return once the server has saved it."""
        row = self.page.locator('div.row.w-full').filter(
            has=self.page.locator('.font-mono', has_text=re.compile(f'^{re.escape(login)}$')))
        toast = self.page.locator('.q-notification').filter(has_text=f'已更新 {login}')
        toast.wait_for(state='detached')    # the same text again would only add a badge to the one still shown
        row.locator('.q-toggle').click()
        row.get_by_role('button').filter(has_text='save').click()
        toast.wait_for()                    # sent once the change is saved

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(exist_ok=True)
        path = SHOTS / f'{name}.png'
        self.page.screenshot(path=str(path))
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def session_factory(browser, portal_url):
    sessions = []

    def make(user: str) -> Session:
        s = Session(browser, portal_url, user)
        sessions.append(s)
        return s
    yield make
    for s in sessions:
        s.close()
