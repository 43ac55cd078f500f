"""Schema text (labels, help, choices, states) is shown literally: quotes, angle brackets and ampersands in an
admin's file never become attributes, elements or script in the grid, the record form or its checklist."""
from __future__ import annotations

import shutil

import pytest

from ..portal_process import ROOT, start_portal, stop_portal
from .conftest import Session

HOSTILE = '甲"乙\' onmouseover="window.__pwned=1" data-x="1" <b>丙</b> &amp; &'
TYPES = ['text', 'longtext', 'integer', 'decimal', 'money', 'date', 'datetime', 'time', 'bool', 'choice',
         'multichoice', 'user', 'phone', 'clause']


def _toml(text: str) -> str:
    return '"' + text.replace('\\', '\\\\').replace('"', '\\"') + '"'


def probe_register() -> str:
    """A register with one field of every type, every text of it hostile."""
    lines = ['label = "探针"', 'icon = "science"', 'order = 999', '']
    for i, kind in enumerate(TYPES):
        lines += ['[[fields]]', f'name = "f_{kind}"', f'type = "{kind}"', f'label = {_toml(f"{HOSTILE} {i}")}',
                  f'help = {_toml(f"{HOSTILE} help {i}")}']
        if kind in ('choice', 'multichoice'):
            lines.append(f'choices = [{_toml(HOSTILE + " A")}, "B"]')
        lines.append('')
    lines += ['[[checklist]]', 'id = "looked"', f'text = {_toml(HOSTILE + " check")}', 'clause = "general.duty"',
              'row = true', '']
    return '\n'.join(lines)


@pytest.fixture(scope='module')
def probe_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('probe')
    schemas = tmp / 'schemas'
    shutil.copytree(ROOT / 'schemas', schemas)
    (schemas / 'registers' / 'probe.toml').write_text(probe_register(), encoding='utf-8')
    process, url = start_portal(tmp, env={'PORTAL_SCHEMA_DIR': str(schemas), 'PORTAL_SEED_DEMO': '0'})
    yield url
    stop_portal(process)


def test_schema_text_is_shown_literally_everywhere(browser, probe_url):
    s = Session(browser, probe_url, 'admin')
    page = s.page
    try:
        page.goto(f'{probe_url}/r/probe')
        page.locator('.ag-header-cell-text', has_text='甲').first.wait_for()
        headers = page.locator('.ag-header-cell-text').all_inner_texts()
        assert f'{HOSTILE} 0' in headers
        page.get_by_role('button', name='新增').click()
        dialog = page.locator('.q-dialog')
        dialog.get_by_text(f'{HOSTILE} 0').first.wait_for()
        for i, _ in enumerate(TYPES):
            assert dialog.get_by_text(f'{HOSTILE} {i}', exact=False).count() >= 1, TYPES[i]
        for el in dialog.locator('.q-field, .q-checkbox').all():
            el.hover(timeout=2000, force=True)
        injected = page.evaluate('''() => ({
            attrs: document.querySelectorAll('[onmouseover], [data-x]').length,
            bold: [...document.querySelectorAll('b')].filter(b => b.textContent === '丙').length,
            pwned: window.__pwned === 1})''')
        assert injected == {'attrs': 0, 'bold': 0, 'pwned': False}
        s.shot('schema-text-literal')
    finally:
        s.close()
