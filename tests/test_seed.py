"""Demo data: deterministic, realistic, and valid under every rule of the schemas."""
from __future__ import annotations

from datetime import date

from portal.runtime import rt
from portal.store import db
from seed.demo import seed

FIELDS = {'shipments': ['ship_date', 'order_no', 'platform', 'courier', 'tracking_no', 'status', 'quantity'],
          'attendance': ['date', 'employee', 'kind', 'sign_in', 'sign_out', 'late_minutes', 'absence_days']}


async def _snapshot() -> dict:
    out = {}
    for key, names in FIELDS.items():
        out[key] = await db.row_model(key).all().order_by('id').values_list(*names)
    return out


async def test_seed_is_deterministic_and_valid(engine):
    counts = await seed(rt().catalog, rows=40, today=date(2026, 11, 27))   # validate=True: raises on a broken rule
    assert set(counts) == set(rt().catalog.registers) and set(counts.values()) == {40}
    first = await _snapshot()
    for key in rt().catalog.registers:
        await db.row_model(key).all().delete()
    await seed(rt().catalog, rows=40, today=date(2026, 11, 27))
    assert await _snapshot() == first
    platforms = {row[2] for row in first['shipments']}
    assert platforms <= {'天猫', '京东', '1688', '淘宝', '拼多多', '抖音', '官网'} and len(platforms) > 2


async def test_default_demo_is_a_few_hundred_rows(engine):
    counts = await seed(rt().catalog, today=date(2026, 11, 27))
    assert all(60 <= n <= 1000 for n in counts.values()), counts
    from portal.store.models import AuditEntry
    created = await AuditEntry.filter(register='shipments', event='create').values_list('row_id', flat=True)
    ids = await db.row_model('shipments').all().values_list('id', flat=True)
    assert sorted(created) == sorted(ids)          # each demo row has its creation in the audit, by its own id
    shipped = await db.row_model('shipments').filter(status='已出库').values('checks')
    assert shipped and all({'inspected', 'contents_match'} <= set(r['checks']) for r in shipped)


def test_demo_text_follows_the_fields_pattern():
    import random
    import re

    from portal.fields.sample import sample
    rng = random.Random(7)
    for pattern in (r'TS\d{8}-\d{2,6}', r'RK\d{8}-\d{3,6}', r'[A-Z]-\d{2}-\d{2}', r'[A-Za-z0-9]{8,20}',
                    r'[A-Z][A-Z0-9-]{3,29}', r'(ab|c)+\.x?'):
        for _ in range(50):
            assert re.fullmatch(pattern, sample(pattern, rng)), pattern
    assert sample(r'[^a]', rng) is None          # unknown to the generator: the field's other demo values apply


async def test_a_first_start_seeds_all_or_nothing_and_still_hands_out_the_logins(tmp_path, monkeypatch, capsys):
    """Seeding failed half-way and the demo logins, made with random passwords, were never printed."""
    import seed.demo as demo
    from portal import boot
    from portal.config import Settings

    from .conftest import SCHEMAS
    calls = []
    real = demo._insert

    async def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError('disk full')
        await real(*args, **kwargs)
    monkeypatch.setattr(demo, '_insert', failing)
    monkeypatch.delenv('PORTAL_DEMO_PASSWORD', raising=False)
    settings = Settings(data_dir=tmp_path / 'data', db_url=f'sqlite://{tmp_path / "data" / "portal.db"}',
                        schema_dir=SCHEMAS)
    _, created = await boot.start(settings)
    try:
        assert len(created) == len(demo.DEMO_USERS) and all(len(password) >= 12 for _, password, _ in created)
        assert len(calls) == 3
        for key in rt().catalog.registers:
            assert await db.row_model(key).all().count() == 0, key          # the two batches before: rolled back
        assert '演示数据未能生成' in capsys.readouterr().out
    finally:
        await boot.stop()
