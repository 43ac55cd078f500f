"""The coverage map of the regulations: computed from the catalog, every clause carried by a record or shown with
a reason written in regulations.toml, and `python -m portal coverage` failing (naming the clause) when one is
neither."""
from __future__ import annotations

import os
import re
import subprocess
import sys

from portal.catalog.coverage import coverage, totals
from portal.catalog.load import load_or_raise

from .conftest import SCHEMAS
from .portal_process import ROOT


def test_every_clause_is_carried_or_shown_with_a_reason():
    catalog = load_or_raise(SCHEMAS)
    missing = [c.clause.id for d in coverage(catalog) for c in d.clauses if c.state == 'missing']
    assert missing == []
    counts = totals(catalog)
    assert counts['carried'] >= 42 and sum(counts.values()) == len(catalog.clauses)


def test_a_carried_clause_keeps_no_stale_reason():
    """Once a record carries a clause, its "shown only" reason (e.g. 待建: a register planned) must go."""
    catalog = load_or_raise(SCHEMAS)
    stale = [c.clause.id for d in coverage(catalog) for c in d.clauses if c.state == 'carried' and c.clause.shown_only]
    assert stale == []


def test_the_map_is_computed_from_what_the_registers_declare():
    catalog = load_or_raise(SCHEMAS)
    found = {c.clause.id: c for d in coverage(catalog) for c in d.clauses}
    late = found['attendance.late']                       # 迟到早退时间超过15分钟视为半天旷工
    assert late.state == 'carried' and {'rule', 'register'} <= {u.kind for u in late.uses}
    assert found['general.secrecy'].state == 'shown' and '行为规范' in found['general.secrecy'].reason()
    assert 'Conduct' in found['general.secrecy'].reason('en')


def _coverage(schema_dir, *args) -> subprocess.CompletedProcess:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith('PYTEST_')}, 'PORTAL_SCHEMA_DIR': str(schema_dir),
           'PORTAL_LANG': 'en'}
    return subprocess.run([sys.executable, '-m', 'portal', 'coverage', *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_the_command_lists_every_document_and_fails_on_a_clause_without_a_reason(schema_dir):
    done = _coverage(schema_dir)
    assert done.returncode == 0, done.stderr
    catalog = load_or_raise(SCHEMAS)
    assert len(re.findall(r'^\S.*\[\w+\]: \d+ carried', done.stdout, re.M)) == len(catalog.documents)
    assert re.search(r'\d+ clauses: \d+ carried, \d+ shown with a reason, 0 missing', done.stdout)
    path = schema_dir / 'regulations.toml'
    text = path.read_text(encoding='utf-8')
    start = text.index('id = "general.secrecy"')
    cut = text.index('shown_only = ', start)
    end = text.index('\n', text.index('shown_only_en = ', cut))
    path.write_text(text[:cut] + text[end + 1:], encoding='utf-8')
    refused = _coverage(schema_dir, '--missing')
    assert refused.returncode == 1
    assert 'general.secrecy' in refused.stdout and 'neither carried nor given a reason' in refused.stdout
    assert '1 missing' in refused.stdout and 'attendance.late' not in refused.stdout     # --missing: only those
