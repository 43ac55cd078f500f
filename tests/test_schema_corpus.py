"""Schema files can never crash the portal: a corpus of hand-written bad schemas with their exact messages, and
property-based mutations of the real schema files (the check always answers with issues, never an exception;
a refused migrate or start leaves the database as it was)."""
from __future__ import annotations

import os
import shutil
import sqlite3
import string
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.catalog import icons
from portal.catalog.load import load_catalog
from portal.fields import type_names

from .conftest import ROOT, SCHEMAS

CORPUS = Path(__file__).parent / 'schema_corpus'
settings.register_profile('ci', max_examples=60, derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile('dev', max_examples=int(os.environ.get('SCHEMA_EXAMPLES', 60)), deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
PROFILE = 'ci' if os.environ.get('CI') else 'dev'


def _load(root: Path):
    cwd = os.getcwd()
    os.chdir(root.parent)
    try:
        return load_catalog(root)
    finally:
        os.chdir(cwd)


def _copy(tmp: Path) -> Path:
    target = tmp / 'schemas'
    shutil.copytree(SCHEMAS, target)
    return target


def test_corpus_every_expected_message_and_no_cascade(tmp_path):
    root = _copy(tmp_path)
    expected = []
    for path in sorted(CORPUS.glob('*.toml')):
        shutil.copy(path, root / 'registers' / path.name)
        expected += [line[len('# expect: '):] for line in path.read_text(encoding='utf-8').splitlines()
                     if line.startswith('# expect: ')]
    catalog, issues = _load(root)
    assert catalog is None
    messages = [str(i) for i in issues]
    for text in expected:
        assert any(text in m for m in messages), f'{text}\n--- not in ---\n' + '\n'.join(messages)
    corpus = {f'schemas/registers/{p.name}' for p in CORPUS.glob('*.toml')}
    assert {i.file for i in issues} <= corpus, [m for m in messages if not any(c in m for c in corpus)]
    assert all(i.code != 'S000' for i in issues)


def _index(register: str, field: str) -> int:
    """Where a field sits in the shipped file (the paths name it: fields[9] (quantity))."""
    import tomllib
    fields = tomllib.loads((SCHEMAS / 'registers' / f'{register}.toml').read_text(encoding='utf-8'))['fields']
    return [f['name'] for f in fields].index(field)


def _edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text(encoding='utf-8')
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1), encoding='utf-8')


def test_a_register_with_a_bad_key_still_counts_for_the_others(tmp_path):
    """Item 2: one unknown key removed the whole register, and dashboards/roles then reported it as unknown."""
    root = _copy(tmp_path)
    _edit(root, 'registers/shipments.toml', 'name = "quantity"\ntype = "integer"',
          'name = "quantity"\ntype = "integer"\nwidht = 80')
    catalog, issues = _load(root)
    assert catalog is None
    assert [i.code for i in issues] == ['S010'], [str(i) for i in issues]
    at = _index('shipments', 'quantity')
    assert str(issues[0]).startswith(f"schemas/registers/shipments.toml: register 'shipments', fields[{at}] (quantity)"
                                     ".widht: unknown key 'widht'")


def test_an_unknown_type_used_by_rules_and_widgets_is_one_message_each(tmp_path):
    """Item 1: a misspelt type on a field used by a rule and dashboards crashed check/migrate/run."""
    root = _copy(tmp_path)
    _edit(root, 'registers/shipments.toml', 'name = "ship_date"\ntype = "date"', 'name = "ship_date"\ntype = "datee"')
    catalog, issues = _load(root)
    assert catalog is None
    codes = [i.code for i in issues]
    assert codes.count('S102') == 1 and 'S000' not in codes
    assert set(codes) <= {'S102', 'S259'}
    widgets = [i for i in issues if i.code == 'S259' and i.file == 'schemas/dashboards.toml']
    at = _index('shipments', 'ship_date')
    assert widgets and all(f"uses field 'ship_date', whose type is unknown (see fields[{at}])" in i.message
                           for i in widgets)


def test_subfolders_and_stray_files_are_reported(tmp_path):
    root = _copy(tmp_path)
    (root / 'registers' / 'more').mkdir()
    shutil.copy(root / 'registers' / 'shipments.toml', root / 'registers' / 'more' / 'listings.toml')
    (root / 'registers' / 'notes.txt').write_text('x', encoding='utf-8')
    (root / 'role.toml').write_text('', encoding='utf-8')
    catalog, issues = _load(root)
    assert catalog is not None                     # warnings: the portal still starts
    assert [str(i) for i in issues] == [
        'schemas/registers/more: a subfolder is not read: register files must sit directly in schemas/registers/ '
        '(move the .toml files up) [S005]',
        'schemas/registers/notes.txt: not a register file (only *.toml files are read); ignored [S006]',
        "schemas/role.toml: not a schema file the portal reads; ignored; allowed: dashboards.toml, policy, "
        "registers, regulations.toml, roles.toml. Did you mean 'roles.toml'? [S007]"]


def test_icon_list_is_the_font_nicegui_ships():
    pytest.importorskip('fontTools')
    pytest.importorskip('brotli')
    assert icons.font_names(icons.shipped_font()) == set(icons.names())
    assert icons.known('local_shipping') and icons.known('o_local_shipping') and not icons.known('local_shiping')


def _cli(args: list[str], root: Path, data: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, 'PORTAL_SCHEMA_DIR': str(root), 'PORTAL_DATA_DIR': str(data)}
    env.pop('PORTAL_DB_URL', None)
    env.pop('DATABASE_URL', None)
    return subprocess.run([sys.executable, '-m', 'portal', *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def _snapshot(db: Path) -> tuple:
    with sqlite3.connect(db) as conn:
        schema = conn.execute('SELECT type, name, sql FROM sqlite_master ORDER BY name').fetchall()
        counts = [(n, conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for _, n, _ in schema
                  if _ == 'table' and not n.startswith('sqlite_') and '__fts_' not in n]
        state = conn.execute('SELECT register, field, type FROM portal_schema_state ORDER BY 1, 2').fetchall()
    return schema, counts, state


def test_refused_migrate_and_check_leave_the_database_untouched(tmp_path):
    """Item 6: check printed 'database: up to date' beside a refusal; migrate refusing printed no summary."""
    root, data = _copy(tmp_path), tmp_path / 'data'
    assert _cli(['migrate'], root, data).returncode == 0
    before = _snapshot(data / 'portal.db')
    _edit(root, 'registers/complaints.toml', 'name = "reported_to_manager"\ntype = "bool"',
          'name = "reported_to_manager"\ntype = "text"')
    check = _cli(['check'], root, data)
    assert check.returncode == 1 and 'up to date' not in check.stdout and '[M201]' in check.stdout
    assert 'database: the schemas cannot be applied (1 problem(s)); the database was not changed' in check.stdout
    refused = _cli(['migrate'], root, data)
    assert refused.returncode == 1 and 'refused: 1 problem(s); the database was not changed.' in refused.stderr
    _edit(root, 'registers/complaints.toml', 'name = "reported_to_manager"\ntype = "text"',
          'name = "reported_to_manager"\ntype = "txt"')
    (root / 'registers' / 'sqlite_sequence.toml').write_text((CORPUS / 'sqlite_sequence.toml').read_text('utf-8'),
                                                              encoding='utf-8')
    for command in (['migrate'], ['check'], ['seed', '--rows', '1'], ['run']):
        result = _cli(command, root, data)
        assert result.returncode == 1 and 'Traceback' not in result.stderr + result.stdout, result.stderr
        assert 'refused: 2 problem(s)' in result.stderr, (command, result.stderr)
    assert _snapshot(data / 'portal.db') == before


# --- property-based: mutations of the real schema files ----------------------------------------------------

FILES = sorted(str(p.relative_to(SCHEMAS)) for p in SCHEMAS.rglob('*.toml'))
NAMES = st.text(string.ascii_lowercase + '_', min_size=1, max_size=12)
VALUES = st.sampled_from(['true', '12', '-3.5', '"x"', '""', '[1, "a"]', '{ a = 1 }', '2026-01-01', '[]',
                          '"$me"', '"storage.9"', '"已出库"'])


def _mutate(text: str, data: st.DataObject) -> str:
    lines = text.splitlines()
    kind = data.draw(st.sampled_from(['delete', 'duplicate', 'misspell', 'swap_type', 'value', 'name', 'truncate']))
    i = data.draw(st.integers(0, max(0, len(lines) - 1)))
    line = lines[i] if lines else ''
    key, sep, _ = line.partition('=')
    if kind == 'delete':
        del lines[i:i + 1]
    elif kind == 'duplicate':
        lines.insert(i, line)
    elif kind == 'misspell' and sep:
        word = key.strip()
        j = data.draw(st.integers(0, max(0, len(word) - 1)))
        word = word[:j] + data.draw(st.sampled_from(['', 'x', '_', word[j:j + 1] * 2])) + word[j + 1:]
        lines[i] = f'{word or "k"} ={line.partition("=")[2]}'
    elif kind == 'swap_type':
        typed = [n for n, t in enumerate(lines) if t.startswith('type = ')] or [i]
        n = data.draw(st.sampled_from(typed))
        lines[n] = f'type = "{data.draw(st.sampled_from([*type_names(), "integr", "dat", ""]))}"'
    elif kind == 'value' and sep:
        lines[i] = f'{key.strip()} = {data.draw(VALUES)}'
    elif kind == 'name' and sep and '"' in line:
        lines[i] = f'{key.strip()} = "{data.draw(NAMES)}"'
    elif kind == 'truncate':
        return text[:data.draw(st.integers(0, len(text)))]
    return '\n'.join(lines) + '\n'


@settings(settings.get_profile(PROFILE))
@given(data=st.data())
def test_check_never_raises_on_mutated_schemas(tmp_path_factory, data):
    root = _copy(tmp_path_factory.mktemp('mut'))
    for _ in range(data.draw(st.integers(1, 3))):
        name = data.draw(st.sampled_from(FILES))
        path = root / name
        path.write_text(_mutate(path.read_text(encoding='utf-8'), data), encoding='utf-8')
    if data.draw(st.booleans()):      # a random register name too (reserved or not)
        name = data.draw(st.sampled_from(['sqlite_stat1', 'pg_x', 'a__fts', 'Bad-Name', 'ok_name', 'order']))
        (root / 'registers' / f'{name}.toml').write_text(
            (root / 'registers' / 'returns.toml').read_text(encoding='utf-8'), encoding='utf-8')
    catalog, issues = _load(root)       # must not raise
    errors = [i for i in issues if i.severity == 'error']
    assert (catalog is None) == bool(errors)
    assert all(i.code != 'S000' for i in issues), [str(i) for i in issues if i.code == 'S000']
    for issue in issues:
        assert str(issue).startswith('schemas/') and str(issue).endswith(f'[{issue.code}]')


@pytest.fixture(scope='module')
def migrated(tmp_path_factory) -> Path:
    """A database migrated to the shipped schemas (copied for each example)."""
    data = tmp_path_factory.mktemp('base') / 'data'
    root = _copy(data.parent)
    assert _cli(['migrate'], root, data).returncode == 0
    return data / 'portal.db'


@settings(settings.get_profile(PROFILE), max_examples=min(settings.get_profile(PROFILE).max_examples, 25))
@given(data=st.data())
def test_a_refused_start_leaves_the_database_untouched(tmp_path_factory, migrated, data):
    """Mutated schema files either start the engine (a clean additive migration) or are refused with the
    problems — never an exception of another kind, never a half-changed database."""
    import asyncio

    from portal import boot
    from portal.config import Settings
    from portal.errors import SchemaError
    tmp = tmp_path_factory.mktemp('start')
    root = _copy(tmp)
    for _ in range(data.draw(st.integers(1, 2))):
        path = root / data.draw(st.sampled_from([f for f in FILES if f.startswith('registers/')]))
        path.write_text(_mutate(path.read_text(encoding='utf-8'), data), encoding='utf-8')
    (tmp / 'data').mkdir()
    shutil.copy(migrated, tmp / 'data' / 'portal.db')
    before = _snapshot(tmp / 'data' / 'portal.db')

    async def start() -> bool:
        try:
            await boot.start(Settings(data_dir=tmp / 'data', db_url=f'sqlite://{tmp / "data" / "portal.db"}',
                                      schema_dir=root), first_start_demo=False)
        except SchemaError as exc:
            assert exc.issues and all(i.severity == 'error' for i in exc.issues)
            return False
        await boot.stop()
        return True
    if not asyncio.run(start()):
        assert _snapshot(tmp / 'data' / 'portal.db') == before
