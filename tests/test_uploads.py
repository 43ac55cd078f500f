"""Uploads with bounded cost: every hostile file of tests/hostile.py is refused with a message naming its limit,
quickly and without the portal's memory growing, nothing written and nothing kept — through the service the
import dialog calls and through `python -m portal import`. Work files go when done; the data stays private."""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import stat
import time
import tracemalloc
from pathlib import Path

import pytest
from openpyxl import Workbook

from portal import private
from portal.cli import main as cli
from portal.errors import PortalError
from portal.excel import importer, sandbox, uploads
from portal.excel.limits import Limits
from portal.runtime import rt
from portal.store import backup, db

from . import hostile


@pytest.fixture(scope='module')
def corpus(tmp_path_factory) -> list[tuple[Path, str]]:
    return hostile.build_all(tmp_path_factory.mktemp('hostile'))


def _rss_kb() -> int:
    status = Path('/proc/self/status').read_text()
    return int(next(line for line in status.splitlines() if line.startswith('VmRSS:')).split()[1])


def _copier(source: Path):
    async def save(target: Path) -> None:
        shutil.copyfile(source, target)
    return save


async def test_hostile_uploads_are_refused_quickly_with_their_limit_and_nothing_kept(engine, actors, corpus):
    warehouse = actors['warehouse']
    folder = rt().settings.data_dir / 'uploads'
    tracemalloc.start()
    try:
        for path, words in corpus:
            tracemalloc.reset_peak()
            rss, start = _rss_kb(), time.perf_counter()
            with pytest.raises(PortalError) as refused:
                await uploads.receive(warehouse, 'shipments', path.name, path.stat().st_size, _copier(path))
            elapsed = time.perf_counter() - start
            message = refused.value.message()
            assert words in message, (path.name, message)
            assert not message.startswith('file.') and not message.startswith('import.'), message
            assert refused.value.message('en') != message                  # said in both languages
            # bounded, not timed: bench/hostile_uploads.py measures the < 5 s target on a quiet machine; on a
            # busy one the 300,000-row sheet took 5.9 s (before: the server died, or no verdict in 60 s)
            assert elapsed < 30, (path.name, elapsed)
            assert tracemalloc.get_traced_memory()[1] < 30 * 1024 * 1024, path.name
            assert _rss_kb() - rss < 100 * 1024, path.name                  # the portal's own process
            assert list(folder.iterdir()) == [], path.name                  # a refused upload is not kept
    finally:
        tracemalloc.stop()
    assert await db.row_model('shipments').all().count() == 0


async def test_a_reader_that_dies_or_runs_too_long_costs_only_its_own_process(tmp_path):
    corner = hostile.tab_before_reference(tmp_path)          # passes the fast scan; the parser aborts
    with pytest.raises(PortalError, match=re.escape('内存或时间超出上限(内存 2048 MB、时间 120 秒)')):
        await sandbox.read_rows(corner, 'xlsx', Limits(max_columns=31))
    rows = ['订单号,平台,货号,数量'] + [f'T-{i},京东,S{i},1' for i in range(50000)]
    slow = tmp_path / 'slow.csv'
    slow.write_text('\n'.join(rows), encoding='utf-8')
    with pytest.raises(PortalError, match='时间 0 秒'):
        await sandbox.read_rows(slow, 'csv', Limits(max_columns=31, seconds=0.01))
    assert len(await sandbox.read_rows(slow, 'csv', Limits(max_columns=31))) == 50001


def test_the_command_line_refuses_them_too_and_writes_nothing(corpus, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv('PORTAL_DATA_DIR', str(tmp_path))
    monkeypatch.delenv('PORTAL_DB_URL', raising=False)
    monkeypatch.delenv('DATABASE_URL', raising=False)
    picked = {'xfd-corner.xlsx', 'lying-dimension.xlsx', 'inflates-to-400mb.xlsx', 'shared-string-count.xlsx',
              'commas.csv', 'header-only.csv', 'long-line.csv', 'too-many-columns.csv'}
    assert cli.main(['create-user', 'admin', '--roles', 'admin', '--password', 'demo-pass-2026']) == 0
    capsys.readouterr()
    for path, words in corpus:
        if path.name not in picked:
            continue
        assert cli.main(['import', 'shipments', str(path), '--as', 'admin']) == 1, path.name
        assert words in capsys.readouterr().err, path.name
    with sqlite3.connect(tmp_path / 'portal.db') as con:
        assert con.execute('SELECT count(*) FROM shipments').fetchone() == (0,)


def _sheet(path: Path, rows: list[list], *, at: str = 'A1') -> Path:
    book = Workbook()
    sheet = book.active
    column = ord(at[0]) - 64
    for r, row in enumerate(rows, start=int(at[1:])):
        for c, value in enumerate(row, start=column):
            sheet.cell(row=r, column=c, value=value)
    book.save(path)
    return path


async def test_cells_keep_their_places_when_the_sheet_starts_lower_and_further_right(engine, actors, tmp_path):
    """The reader's rows begin at the first used column and, above, at row 1: what the user sees as row 4,
    column D is reported as row 4, column D."""
    path = _sheet(tmp_path / 'offset.xlsx', [['订单号', '平台', '货号', '数量'], ['O-1', '京东', 'S1', 'abc'],
                                             [None] * 4, ['O-2', '天猫', 'S2', '2']], at='C3')
    plan = await importer.plan_import(actors['warehouse'], 'shipments', path, path.name)
    assert plan.header_row == 3 and plan.rows == 2
    assert [(p.row, p.column, p.message()) for p in plan.problems] == [(4, 'F', '"abc" 不是整数')]
    assert [row for row, _ in plan.creates] == [6]


async def test_a_file_without_data_rows_says_so(engine, actors, tmp_path):
    w = actors['warehouse']
    empty = _sheet(tmp_path / 'empty.xlsx', [[None]])
    with pytest.raises(PortalError, match='没有任何内容'):
        await importer.plan_import(w, 'shipments', empty, empty.name)
    rows = [['2026 年 11 月发货'], ['订单号', '平台', '货号', '数量'], ['', ' ', None]]
    header = _sheet(tmp_path / 'header.xlsx', rows)
    with pytest.raises(PortalError) as refused:
        await importer.plan_import(w, 'shipments', header, header.name)
    assert refused.value.message() == '文件中没有数据行:表头(第 2 行)下面是空的'
    assert refused.value.message('en') == 'The file has no data rows: nothing below the header (row 2)'


async def test_the_row_limit_is_a_setting(engine, actors, tmp_path):
    rt().settings.import_max_rows = 3
    w = actors['warehouse']
    rows = [['订单号', '平台', '货号', '数量']] + [[f'L-{i}', '京东', f'S{i}', 1] for i in range(3)]
    plan = await importer.plan_import(w, 'shipments', _sheet(tmp_path / 'three.xlsx', rows), 'three.xlsx')
    assert plan.ok and len(plan.creates) == 3
    rows.append(['L-9', '京东', 'S9', 1])
    for name in ('four.xlsx', 'four.csv'):
        path = tmp_path / name
        if name.endswith('.csv'):
            path.write_text('\n'.join(','.join(map(str, r)) for r in rows), encoding='utf-8')
        else:
            _sheet(path, rows)
        with pytest.raises(PortalError, match='文件有 4 行数据,超过导入上限 3 行'):
            await importer.plan_import(w, 'shipments', path, name)


async def test_an_accepted_upload_stays_for_its_preview_then_goes(engine, actors, tmp_path):
    source = _sheet(tmp_path / 'ok.xlsx', [['订单号', '平台', '货号', '数量'], ['U-1', '京东', 'S1', 'x']])
    plan = await uploads.receive(actors['warehouse'], 'shipments', '我的.xlsx', source.stat().st_size,
                                 _copier(source))
    assert plan.path.exists() and plan.path.parent.name == 'uploads' and plan.problems
    uploads.discard(plan)
    assert not plan.path.exists()
    with pytest.raises(PortalError, match='文件太大'):
        await uploads.receive(actors['warehouse'], 'shipments', 'big.xlsx', 26 * 1024 * 1024, _copier(source))
    mine = await importer.plan_import(actors['warehouse'], 'shipments', source, source.name)
    uploads.discard(mine)                               # the command line's own file is never deleted
    assert source.exists()


async def test_forgotten_work_files_go_after_an_hour(engine):
    folder = uploads.work_file('exports', '.xlsx').parent
    old, new = folder / 'old.xlsx', folder / 'new.xlsx'
    old.write_bytes(b'x')
    new.write_bytes(b'x')
    os.utime(old, (time.time() - 3700, time.time() - 3700))
    assert uploads.sweep_all(rt().settings.data_dir) == 1
    assert sorted(p.name for p in folder.iterdir()) == ['new.xlsx']
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize('db_url', ['sqlite'], indirect=True)
async def test_the_data_folder_database_and_backups_are_private(engine, tmp_path):
    settings = rt().settings
    database = settings.sqlite_path
    await db.conn().execute_query('SELECT 1')
    assert _mode(settings.data_dir) == 0o700
    assert _mode(database) == 0o600
    for companion in (Path(f'{database}-wal'), Path(f'{database}-shm')):
        if companion.exists():
            assert _mode(companion) == 0o600, companion
    made = backup.backup(settings)
    assert _mode(made) == 0o600 and _mode(made.parent) == 0o700
    os.chmod(made, 0o644)                   # a backup made before this rule, in a folder left open
    os.chmod(settings.data_dir, 0o755)
    private.data(settings.data_dir)         # what every start does
    assert _mode(made) == 0o600 and _mode(settings.data_dir) == 0o700
    mine = backup.backup(settings, tmp_path / 'copy.db')
    assert _mode(mine) == 0o600
    if not (os.environ.get('PORTAL_STORAGE_SECRET') or os.environ.get('STORAGE_SECRET')):
        settings.storage_secret()
        assert _mode(settings.data_dir / 'storage_secret') == 0o600
