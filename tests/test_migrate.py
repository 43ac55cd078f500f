"""Additive migration on a database holding data, on SQLite and (in CI) PostgreSQL."""
from __future__ import annotations

from portal import boot, records
from portal.catalog.load import load_catalog, load_or_raise
from portal.runtime import rt
from portal.store import db, migrate

COMPLAINT = {'complaint_no': 'TS20261127-01', 'customer': '王芳', 'category': '物流', 'content': '快递太慢',
             'order_no': 'O-1', 'customer_phone': '13800138000'}
SHIPMENT = {'order_no': 'TM-1001', 'platform': '天猫', 'sku': 'A1001-01', 'quantity': '2', 'courier': '顺丰'}


def _edit(schema_dir, old: str, new: str) -> None:
    path = schema_dir / 'registers' / 'complaints.toml'
    text = path.read_text(encoding='utf-8')
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding='utf-8')


async def _reload(schema_dir):
    catalog = load_or_raise(schema_dir)
    await db.connect(rt().settings.db_url, catalog)
    return catalog


async def test_fresh_database_plan_then_nothing_to_do(engine):
    plan = await migrate.plan(rt().catalog)
    assert plan.ok and plan.steps == [] and plan.lines() == ['nothing to do: the database matches the schemas']


async def test_add_field_adds_column_and_keeps_rows(engine, actors, schema_dir):
    row = await records.create_row(actors['cs'], 'complaints', COMPLAINT)
    (schema_dir / 'registers' / 'complaints.toml').open('a', encoding='utf-8').write(
        '\n[[fields]]\nname = "compensation"\ntype = "money"\nlabel = "补偿金额"\n')
    catalog = await _reload(schema_dir)
    plan = await migrate.plan(catalog)
    assert [s.description for s in plan.steps if 'quick-search' not in s.description] == [
        'add column "compensation" (money)']
    await migrate.apply(catalog, plan)
    rt().catalog = catalog
    updated = await records.update_row(actors['cs'], 'complaints', row['id'], {'compensation': '20'}, version=1)
    assert updated['compensation'] == 20 and updated['customer'] == '王芳'


async def test_removed_field_keeps_column_and_data_and_is_reported(engine, actors, schema_dir):
    row = await records.create_row(actors['cs'], 'complaints', COMPLAINT)
    _edit(schema_dir, '[[fields]]\nname = "order_no"\ntype = "text"\nlabel = "订单号"\nlabel_en = "Order no."\n'
          'max_length = 40\n', '')
    catalog = await _reload(schema_dir)
    plan = await migrate.plan(catalog)
    assert plan.ok and all(s.description.startswith('quick-search index') for s in plan.steps)
    assert [str(n) for n in plan.notes] == [
        "schemas/registers/complaints.toml: register 'complaints', fields: column 'order_no' is no longer in the "
        'schema; its data is kept in the database (hidden). Add the field back to show it again, or acknowledge it '
        'with retired = ["order_no"] [M101]']
    kept = await db.conn().execute_query_dict(f'SELECT order_no FROM complaints WHERE id = {row["id"]}')
    assert kept == [{'order_no': 'O-1'}]


async def test_renamed_from_moves_the_data(engine, actors, schema_dir):
    row = await records.create_row(actors['cs'], 'complaints', COMPLAINT)
    _edit(schema_dir, 'name = "customer_phone"\ntype = "phone"',
          'name = "contact_phone"\nrenamed_from = "customer_phone"\ntype = "phone"')
    catalog = await _reload(schema_dir)
    plan = await migrate.plan(catalog)
    assert [s.description for s in plan.steps if 'quick-search' not in s.description] == [
        'rename column "customer_phone" → "contact_phone"']
    await migrate.apply(catalog, plan)
    rt().catalog = catalog
    assert (await records.get_row(actors['cs'], 'complaints', row['id']))['contact_phone'] == '13800138000'
    assert (await migrate.plan(catalog)).steps == []


async def test_incompatible_type_change_is_refused_and_database_untouched(engine, actors, schema_dir):
    row = await records.create_row(actors['cs'], 'complaints', COMPLAINT)
    _edit(schema_dir, 'name = "customer"\ntype = "text"\nlabel = "客户"\nlabel_en = "Customer"\nrequired = true\n'
          'max_length = 40', 'name = "customer"\ntype = "integer"\nlabel = "客户"\nlabel_en = "Customer"')
    catalog = await _reload(schema_dir)
    plan = await migrate.plan(catalog)
    assert not plan.ok
    assert [i.code for i in plan.problems] == ['M201']
    assert str(plan.problems[0]).startswith(
        "schemas/registers/complaints.toml: register 'complaints', fields[2] (customer).type: field 'customer' changes type "
        "'text' → 'integer', which stores data differently ('text' → 'int'); the database was not changed.")
    plan.steps.append(migrate.Step('complaints', 'must not run', ['DROP TABLE complaints']))
    try:
        await migrate.apply(catalog, plan)
    except RuntimeError:
        pass
    kept = await db.conn().execute_query_dict(f'SELECT customer FROM complaints WHERE id = {row["id"]}')
    assert kept == [{'customer': '王芳'}]


async def test_compatible_type_change_is_fine(engine, schema_dir):
    _edit(schema_dir, 'name = "customer"\ntype = "text"', 'name = "customer"\ntype = "longtext"')
    catalog = await _reload(schema_dir)
    assert (await migrate.plan(catalog)).ok


async def test_new_register_gets_a_table(engine, actors, schema_dir):
    (schema_dir / 'registers' / 'suppliers.toml').write_text(
        'label = "供应商"\nregulation = ["storage.2"]\nkey = ["name"]\n\n[[fields]]\nname = "name"\ntype = "text"\n'
        'label = "名称"\nrequired = true\nunique = true\n', encoding='utf-8')
    catalog = await _reload(schema_dir)
    plan = await migrate.migrate(catalog, dry_run=True)
    assert plan.lines()[0] == 'suppliers: create table "suppliers" (1 fields)'
    assert (await migrate.live_columns()).get('suppliers') is None       # dry run changed nothing
    await migrate.migrate(catalog)
    rt().catalog = catalog
    row = await records.create_row(actors['admin'], 'suppliers', {'name': '杭州织美'})
    assert row['name'] == '杭州织美'


async def test_start_refuses_a_broken_schema_and_migrates_nothing(engine, schema_dir, tmp_path):
    from portal.config import Settings
    from portal.errors import SchemaError
    settings = rt().settings
    await boot.stop()
    (schema_dir / 'registers' / 'suppliers.toml').write_text(
        'label = "供应商"\n\n[[fields]]\nname = "name"\ntype = "txet"\nlabel = "名称"\n', encoding='utf-8')
    try:
        await boot.start(Settings(data_dir=settings.data_dir, db_url=settings.db_url, schema_dir=schema_dir))
        raise AssertionError('start must refuse')
    except SchemaError as exc:
        assert "unknown type 'txet'" in exc.message()
    catalog, _ = load_catalog(schema_dir)
    assert catalog is None
    (schema_dir / 'registers' / 'suppliers.toml').unlink()
    await boot.start(settings, first_start_demo=False)   # the fixture's teardown stops it again
    assert 'suppliers' not in await migrate.live_columns()


async def test_a_natural_key_repeated_in_old_rows_is_reported_until_resolved(engine, actors):
    """A database from before the key was enforced may hold repeats: the migration keeps them, makes a plain
    index, names them (M102), and makes the unique index once they are resolved."""
    conn = db.conn()
    await conn.execute_script('DROP INDEX "ux_shipments_order_no_sku"')
    first = await records.create_row(actors['warehouse'], 'shipments', SHIPMENT)
    second = await records.create_row(actors['warehouse'], 'shipments', {**SHIPMENT, 'sku': 'B'})
    await conn.execute_query(f"UPDATE shipments SET sku = 'A1001-01' WHERE id = {second['id']}")
    plan = await migrate.migrate(rt().catalog)
    assert plan.ok
    assert [n.code for n in plan.notes] == ['M102']
    assert f'TM-1001 / A1001-01 (#{first["id"]}…#{second["id"]}, 2 rows)' in str(plan.notes[0])
    assert {'px_shipments_order_no_sku', 'px_shipments_order_no_sku_id'} & await migrate.live_indexes()
    await records.delete_rows(actors['warehouse'], 'shipments', [second['id']])
    plan = await migrate.migrate(rt().catalog)
    assert plan.notes == [] and 'ux_shipments_order_no_sku' in await migrate.live_indexes()
    assert not {'px_shipments_order_no_sku', 'px_shipments_order_no_sku_id'} & await migrate.live_indexes()


async def test_a_new_column_of_the_portals_own_tables_is_added(engine):
    """An older database (before portal_users.password_change_due) gains the column; its users keep their rows."""
    await db.conn().execute_script('ALTER TABLE "portal_users" DROP COLUMN "password_change_due"')
    plan = await migrate.plan(rt().catalog)
    assert [s.description for s in plan.steps] == ['add column "password_change_due" to "portal_users"']
    await migrate.apply(rt().catalog, plan)
    from portal.store.models import User
    assert (await User.get(username='cs')).password_change_due is None      # not due: read as "no"
    assert (await migrate.plan(rt().catalog)).steps == []


async def test_a_new_index_of_the_portals_own_tables_is_added(engine):
    from portal.store.models import LoginAttempt
    editor = migrate.EDITORS[db.dialect()](db.conn())
    name = editor._generate_index_name('idx', LoginAttempt, ['ip', 'at'])
    assert name in await migrate.live_indexes()                        # a fresh database has it from the start
    await db.conn().execute_script(f'DROP INDEX "{name}"')
    plan = await migrate.plan(rt().catalog)
    assert [s.description for s in plan.steps] == ['index "portal_login_attempts" (ip, at)']
    await migrate.apply(rt().catalog, plan)
    assert name in await migrate.live_indexes()


async def test_a_hot_reload_holds_a_rename_until_an_admin_applies_the_plan_shown(engine, actors, schema_dir):
    row = await records.create_row(actors['cs'], 'complaints', COMPLAINT)
    _edit(schema_dir, 'name = "customer_phone"\ntype = "phone"',
          'name = "contact_phone"\nrenamed_from = "customer_phone"\ntype = "phone"')
    assert await boot.reload_schemas(announce=False) == []
    pending = rt().schema_pending
    assert pending['held'] == ['complaints: rename column "customer_phone" → "contact_phone"']
    assert pending['held'][0] in pending['steps']
    assert rt().catalog.registers['complaints'].field('customer_phone') is not None       # the old schemas
    assert (await records.get_row(actors['cs'], 'complaints', row['id']))['customer_phone'] == '13800138000'
    shown = list(pending['steps'])

    _edit(schema_dir, 'label = "客户"', 'label = "顾客"')              # saved again before anyone applied it
    assert await boot.reload_schemas(announce=False, apply=shown[:-1], by='admin') == []   # not the plan shown
    assert rt().schema_pending and rt().catalog.registers['complaints'].field('customer_phone')

    assert await boot.reload_schemas(announce=False, apply=rt().schema_pending['steps'], by='admin') == []
    assert rt().schema_pending is None
    assert (await records.get_row(actors['cs'], 'complaints', row['id']))['contact_phone'] == '13800138000'
    assert rt().catalog.registers['complaints'].field('customer').label == '顾客'


async def test_a_hot_reload_that_only_adds_switches_at_once(engine, schema_dir):
    (schema_dir / 'registers' / 'complaints.toml').open('a', encoding='utf-8').write(
        '\n[[fields]]\nname = "compensation"\ntype = "money"\nlabel = "补偿金额"\n')
    assert await boot.reload_schemas(announce=False) == []
    assert rt().schema_pending is None and rt().catalog.registers['complaints'].field('compensation')
