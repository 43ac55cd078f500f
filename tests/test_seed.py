"""Demo data: deterministic, realistic, and valid under every rule of the schemas."""
from __future__ import annotations

from datetime import date

from portal import db
from portal.runtime import rt
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
    from portal.models import AuditEntry
    created = await AuditEntry.filter(register='shipments', event='create').values_list('row_id', flat=True)
    ids = await db.row_model('shipments').all().values_list('id', flat=True)
    assert sorted(created) == sorted(ids)          # each demo row has its creation in the audit, by its own id
    shipped = await db.row_model('shipments').filter(status='已出库').values('checks')
    assert shipped and all({'inspected', 'contents_match'} <= set(r['checks']) for r in shipped)
