"""Schema loader and checks: each check has a failing case with its exact message and code, and the
shipped schemas load with zero issues."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from portal.catalog.load import load_catalog

from .conftest import ROOT, SCHEMAS


def test_shipped_schemas_load_with_zero_issues():
    catalog, issues = load_catalog(SCHEMAS)
    assert issues == []
    assert set(catalog.registers) == {p.stem for p in (SCHEMAS / 'registers').glob('*.toml')}   # every file
    assert set(catalog.roles) >= {'admin', 'manager', 'ops', 'cs', 'designer', 'warehouse', 'staff'}


def test_every_register_cites_known_clauses_and_has_a_key():
    catalog, _ = load_catalog(SCHEMAS)
    for register in catalog.registers.values():
        assert register.regulation, register.key
        assert register.natural_key, register.key
        assert all(c in catalog.clauses for c in register.regulation)


def test_regulation_texts_are_verbatim_from_the_source():
    catalog, _ = load_catalog(SCHEMAS)
    source = (ROOT.parent / 'shared' / 'regulations' / 'source.txt')
    if not source.exists():
        pytest.skip('regulations source not available')
    flat = source.read_text(encoding='utf-8').replace('\n', '')
    for clause in catalog.clauses.values():
        assert clause.text in flat, clause.id


def _edit(schema_dir, name: str, old: str, new: str, count: int = 1) -> None:
    path = schema_dir / name
    text = path.read_text(encoding='utf-8')
    assert old in text, f'{old!r} not in {name}'
    path.write_text(text.replace(old, new, count), encoding='utf-8')


def _messages(schema_dir) -> list[str]:
    cwd = os.getcwd()
    os.chdir(schema_dir.parent)
    try:
        catalog, issues = load_catalog(schema_dir)
    finally:
        os.chdir(cwd)
    assert catalog is None or all(i.severity != 'error' for i in issues)
    return [str(i) for i in issues]


CASES = [
    ('policy/calendar.toml', 'label = "公司年会"', 'name = "公司年会"',
     "schemas/registers/attendance.toml: register 'attendance', rules[0].policy: schemas/policy/calendar.toml "
     "days_off.0.name: unknown key 'name' [S258]"),
    ('policy/penalties.toml', 'below_minimum = "within_authority"', 'below_minimum = "within"',
     "schemas/policy/penalties.toml: below_minimum: 'within' is not allowed; allowed: within_authority, escalate. "
     "Did you mean 'within_authority'? [S012]"),
    # (file, old, new, expected message)
    ('registers/shipments.toml', 'name = "quantity"\ntype = "integer"', 'name = "quantity"\ntype = "integr"',
     "schemas/registers/shipments.toml: register 'shipments', fields[9] (quantity).type: unknown type 'integr'; allowed: "
     'attachment, bool, choice, clause, date, datetime, decimal, integer, longtext, money, multichoice, phone, ref, status, '
     "text, time, user. Did you mean 'integer'? [S102]"),
    ('registers/shipments.toml', 'label = "赠品"', 'lable = "赠品"',
     "schemas/registers/shipments.toml: register 'shipments', fields[14] (gift).lable: unknown key 'lable'; allowed: "
     'accept, choices, computed, decimals, default, help, help_en, hidden, images_only, index, label, label_en, max, '
     'max_files, max_length, max_mb, min, '
     "name, pattern, readonly, ref, renamed_from, required, search, type, unique, width. Did you mean 'label'? [S010]"),
    ('registers/shipments.toml', 'name = "gift"\ntype = "text"\nlabel = "赠品"', 'name = "gift"\ntype = "text"',
     "schemas/registers/shipments.toml: register 'shipments', fields[14] (gift).label: missing required key 'label' [S011]"),
    ('registers/shipments.toml', 'name = "quantity"\ntype = "integer"\nlabel = "数量"\nlabel_en = "Quantity"\n'
     'required = true', 'name = "quantity"\ntype = "integer"\nlabel = "数量"\nlabel_en = "Quantity"\nrequired = "yes"',
     "schemas/registers/shipments.toml: register 'shipments', fields[9] (quantity).required: wrong kind of value 'yes': "
     'Input should be a valid boolean [S013]'),
    ('registers/shipments.toml', 'name = "gift"', 'name = "Gift Item"',
     "schemas/registers/shipments.toml: register 'shipments', fields[14] (Gift Item).name: field name 'Gift Item' must be "
     'lowercase ASCII snake_case (letters, digits, _), starting with a letter, at most 40 characters [S104]'),
    ('registers/shipments.toml', 'name = "gift"', 'name = "order"',
     "schemas/registers/shipments.toml: register 'shipments', fields[14] (order).name: field name 'order' is an SQL "
     'keyword; choose another name [S105]'),
    ('registers/shipments.toml', 'name = "gift"', 'name = "sku"',
     "schemas/registers/shipments.toml: register 'shipments', fields[14] (sku).name: duplicate field name 'sku' "
     '(also fields[5]) [S106]'),
    ('registers/shipments.toml', 'name = "gift"', 'name = "version"',
     "schemas/registers/shipments.toml: register 'shipments', fields[14] (version).name: field name 'version' is reserved "
     'for a system column; allowed: id, version, created_by, created_at, updated_by, updated_at, deleted_at, '
     'deleted_by, delete_batch, checks [S109]'),
    ('registers/shipments.toml', 'name = "quantity"\ntype = "integer"', 'name = "quantity"\ntype = "integer"\n'
     'choices = ["1"]',
     "schemas/registers/shipments.toml: register 'shipments', fields[9] (quantity).choices: option 'choices' is not allowed "
     "for type 'integer'; allowed: computed, default, help, help_en, hidden, index, label, label_en, max, min, name, "
     'readonly, renamed_from, required, search, type, unique, width [S103]'),
    ('registers/shipments.toml', 'choices = ["顺丰"', 'default = "顺风"\nchoices = ["顺丰"',
     "schemas/registers/shipments.toml: register 'shipments', fields[3] (courier).default: default '顺风' is not valid: "
     '"顺风" is not one of: 顺丰、中通、圆通、申通、韵达、京东物流、邮政EMS、极兔; allowed: 顺丰, 中通, 圆通, 申通, 韵达, '
     "京东物流, 邮政EMS, 极兔. Did you mean '顺丰'? [S110]"),
    ('registers/shipments.toml', 'default = "current_user"', 'default = "today"',
     "schemas/registers/shipments.toml: register 'shipments', fields[17] (shipper).default: default 'today' is not available "
     "for type 'user'; allowed: current_user [S111]"),
    ('registers/shipments.toml', '"storage.shipping.1", "storage.shipping.2"', '"storage.shiping.1", "storage.shipping.2"',
     "schemas/registers/shipments.toml: register 'shipments', regulation[0]: unknown regulation clause "
     "'storage.shiping.1' (see schemas/regulations.toml). Did you mean 'storage.shipping.1'? [S201]"),
    ('registers/shipments.toml', 'key = ["order_no", "sku"]', 'key = ["order_number", "sku"]',
     "schemas/registers/shipments.toml: register 'shipments', key[0]: natural key field 'order_number' is not a "
     'field of this register; allowed: ship_date, order_no, platform, courier, tracking_no, sku, style, colour, size, '
     'quantity, order_amount, receiver, receiver_phone, waybill_remark, gift, address_verified, packed_checked, '
     "shipper, picked_up_at, status, problem_note. Did you mean 'order_no'? [S202]"),
    ('registers/returns.toml', 'ref = "shipments"', 'ref = "shipment"',
     "schemas/registers/returns.toml: register 'returns', fields[11] (shipment).ref: ref to unknown register 'shipment'; "
     'allowed: appraisals, attendance, cashbacks, complaints, cs_handovers, goods_receipts, listings, penalties, price_changes, promotions, replenishments, returns, reviews, rewards, shipments, stock_items, stockouts, targets. '
     "Did you mean 'shipments'? [S204]"),
    ('registers/shipments.toml', 'required_for = "已出库"\n\n[[checklist]]\nid = "contents_match"',
     'required_for = "已发出"\n\n[[checklist]]\nid = "contents_match"',
     "schemas/registers/shipments.toml: register 'shipments', checklist[2].required_for: '已发出' is not a "
     "workflow state of this register; allowed: 待发货, 已打包, 已出库, 异常. Did you mean '已出库'? [S206]"),
    ('registers/shipments.toml', 'to = "已打包"\nlabel = "打包"', 'to = "已包装"\nlabel = "打包"',
     "schemas/registers/shipments.toml: register 'shipments', workflow.transitions[0].to: '已包装' is not one of "
     "the workflow states; allowed: 待发货, 已打包, 已出库, 异常. Did you mean '已打包'? [S208]"),
    ('registers/shipments.toml', 'roles = ["warehouse", "manager"]\nclause = "storage.shipping.4"',
     'roles = ["warehous", "manager"]\nclause = "storage.shipping.4"',
     "schemas/registers/shipments.toml: register 'shipments', workflow.transitions[0].roles: unknown role "
     "'warehous'; allowed: admin, analyst, cs, designer, leader, manager, ops, promoter, staff, supervisor, "
     "warehouse. Did you mean 'warehouse'? [S209]"),
    ('registers/penalties.toml', 'set = { approver = "$me" }\nnot_by = "employee"',
     'set = { approver = "$me" }\nnot_by = "employe"',
     "schemas/registers/penalties.toml: register 'penalties', workflow.transitions[4].not_by: 'employe' is not a "
     "user field of this register; allowed: employee, approver. Did you mean 'employee'? [S216]"),
    ('registers/complaints.toml', 'kind = "compare"', 'kind = "comparison"',
     "schemas/registers/complaints.toml: register 'complaints', rules[0].kind: unknown rule kind 'comparison'; "
     'allowed: approved_before, authority_limit, compare, deadline, derived_sum, file_names, min_items, not_before, '
     'range, required_if, '
     'workday_policy. '
     "Did you mean 'compare'? [S220]"),
    ('registers/complaints.toml', 'left = "follow_up_date"', 'left = "follow_up"',
     "schemas/registers/complaints.toml: register 'complaints', rules[0].left: unknown field 'follow_up'; allowed: "
     'complaint_no, accepted_date, customer, customer_phone, channel, order_no, category, content, cause, resolution, '
     "result, owner, reported_to_manager, follow_up_date, evaluation, photos, status. Did you mean 'follow_up_date'? "
     "[S251]"),
    ('registers/complaints.toml', 'op = ">="', 'op = "=>"',
     "schemas/registers/complaints.toml: register 'complaints', rules[0].op: rule kind 'compare': Input should be "
     "'<', '<=', '>', '>=', '==' or '!=' [S221]"),
    ('registers/complaints.toml', 'filter = { status = "待回访" }', 'filter = { state = "待回访" }',
     "schemas/registers/complaints.toml: register 'complaints', queues[0].filter.state: unknown field 'state'; "
     'allowed: complaint_no, accepted_date, customer, customer_phone, channel, order_no, category, content, cause, '
     'resolution, result, owner, reported_to_manager, follow_up_date, evaluation, photos, status, id, created_by, '
     "updated_by, created_at, updated_at. Did you mean 'status'? [S241]"),
    ('registers/complaints.toml', 'overdue = "follow_up"', 'overdue = "followup"',
     "schemas/registers/complaints.toml: register 'complaints', queues[1].overdue: 'followup' is not the id of a "
     "deadline rule of this register; allowed: follow_up. Did you mean 'follow_up'? [S231]"),
    ('registers/attendance.toml', 'policy = "attendance"', 'policy = "attendence"',
     "schemas/registers/attendance.toml: register 'attendance', rules[0].policy: no policy file "
     "schemas/policy/attendence.toml; allowed: attendance, calendar, pay, penalties. Did you mean 'attendance'? [S257]"),
    ('policy/attendance.toml', 'late_grace_minutes = 15', 'late_grace_minutes = "15 分钟"',
     "schemas/policy/attendance.toml: late_grace_minutes: wrong kind of value '15 分钟': Input should be a valid "
     'integer [S013]'),
    ('roles.toml', '[roles.cs.registers.shipments]', '[roles.cs.registers.shipment]',
     "schemas/roles.toml: roles.cs.registers.shipment: unknown register 'shipment'; allowed: "
     "appraisals, attendance, cashbacks, complaints, cs_handovers, goods_receipts, listings, penalties, price_changes, promotions, replenishments, returns, reviews, rewards, shipments, stock_items, stockouts, targets. Did you mean 'shipments'? [R302]"),
    ('roles.toml', 'hidden = ["order_amount"]', 'hidden = ["order_amt"]',
     "schemas/roles.toml: roles.cs.registers.shipments.hidden[0]: unknown field 'order_amt' in register "
     "'shipments'; allowed: ship_date, order_no, platform, courier, tracking_no, sku, style, colour, size, quantity, "
     'order_amount, receiver, receiver_phone, waybill_remark, gift, address_verified, packed_checked, shipper, '
     "picked_up_at, status, problem_note. Did you mean 'order_amount'? [R303]"),
    ('roles.toml', 'actions = ["view", "create", "edit"]\nreadonly = ["approver", "sign_in"',
     'actions = ["view", "create", "modify"]\nreadonly = ["approver", "sign_in"',
     "schemas/roles.toml: roles.staff.registers.attendance.actions[2]: 'modify' is not allowed; allowed: view, "
     'create, edit, delete, export, import, approve [S012]'),
    ('roles.toml', 'scope = { own = "employee" }', 'scope = { own = "kind" }',
     "schemas/roles.toml: roles.staff.registers.attendance.scope.own: 'own' needs a user field of register "
     "'attendance'; allowed: employee, approver, created_by [R305]"),
]


@pytest.mark.parametrize('file,old,new,expected', CASES, ids=[re.findall(r'\[(\w+)\]$', c[3])[0] + '-' + str(i)
                                                              for i, c in enumerate(CASES)])
def test_check_reports_exact_message(schema_dir, file, old, new, expected):
    _edit(schema_dir, file, old, new)
    assert expected in _messages(schema_dir)


def test_all_problems_are_reported_at_once(schema_dir):
    _edit(schema_dir, 'registers/shipments.toml', 'type = "integer"', 'type = "integr"')
    _edit(schema_dir, 'registers/complaints.toml', 'kind = "compare"', 'kind = "comparison"')
    _edit(schema_dir, 'roles.toml', '[roles.cs.registers.shipments]', '[roles.cs.registers.shipment]')
    codes = sorted(m[-5:-1] for m in _messages(schema_dir))
    assert codes == ['R302', 'S102', 'S220']


def test_broken_toml_names_file_and_line(schema_dir):
    (schema_dir / 'registers' / 'shipments.toml').write_text('label = "发货登记\n', encoding='utf-8')
    messages = _messages(schema_dir)
    assert any(m.startswith("schemas/registers/shipments.toml: register 'shipments': not valid TOML: ")
               and 'line 1' in m and m.endswith('[S002]') for m in messages), messages


def test_new_register_file_is_picked_up(schema_dir):
    (schema_dir / 'registers' / 'suppliers.toml').write_text(
        'label = "供应商"\nregulation = ["storage.2"]\nkey = ["name"]\n\n[[fields]]\nname = "name"\ntype = "text"\n'
        'label = "名称"\nrequired = true\n', encoding='utf-8')
    catalog, issues = load_catalog(schema_dir)
    assert issues == [] and 'suppliers' in catalog.registers


def test_bad_register_file_name(schema_dir):
    (schema_dir / 'registers' / 'Bad-Name.toml').write_text(
        'label = "x"\n\n[[fields]]\nname = "a"\ntype = "text"\nlabel = "A"\n', encoding='utf-8')
    assert ("schemas/registers/Bad-Name.toml: register 'Bad-Name', key: register key (file name) 'Bad-Name' must be "
            'lowercase ASCII snake_case, starting with a letter, at most 40 characters [S100]') in _messages(schema_dir)


def test_cli_check_exit_codes(schema_dir, tmp_path):
    env = {**os.environ, 'PORTAL_SCHEMA_DIR': str(schema_dir), 'PORTAL_DATA_DIR': str(tmp_path / 'none')}
    ok = subprocess.run([sys.executable, '-m', 'portal', 'check'], cwd=ROOT, env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith('OK: 18 registers')
    _edit(schema_dir, 'registers/shipments.toml', 'type = "integer"', 'type = "integr"')
    bad = subprocess.run([sys.executable, '-m', 'portal', 'check'], cwd=ROOT, env=env, capture_output=True,
                         text=True)
    assert bad.returncode == 1
    assert "unknown type 'integr'" in bad.stdout and '[S102]' in bad.stdout


def test_the_schema_reference_is_current_and_its_examples_check():
    """docs/schema-reference.md is written by `python -m portal docs` from the models and registries the check uses:
    a change to them without running it fails here. Each rule kind's example is a valid rule of that kind."""
    import tomllib

    from portal.catalog import reference
    from portal.registry import rule_kinds
    committed = (ROOT / reference.PATH).read_text(encoding='utf-8')
    assert committed == reference.render(), 'docs/schema-reference.md is stale: run python -m portal docs'
    for kind in rule_kinds.all():
        if kind.example:
            rule = tomllib.loads(f'kind = "{kind.name}"\n' + kind.example)
            kind.parse_params(rule)        # raises on a wrong example
            assert rule['clause'] and ('id' in rule) == (kind.name == 'deadline')
    for key in ('`retired`', '`required_for`', '`current_user`', '`overdue`', '`$me`', '`any`', 'replaces'):
        assert key in committed, key
    assert '(docs/schema-reference.md)' in (ROOT / 'README.md').read_text(encoding='utf-8')
