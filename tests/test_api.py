"""REST API over real HTTP against a real portal process: token auth, the same rights as the UI, 409 on
stale versions, filters and paging, OpenAPI served, and a schema-driven fuzz that must find no 500."""
from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from .portal_process import ROOT, start_portal, stop_portal


@pytest.fixture(scope='module')
def portal(tmp_path_factory):
    data = tmp_path_factory.mktemp('api')
    process, url = start_portal(data)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith('PYTEST_')}, 'PORTAL_DATA_DIR': str(data)}

    def token(user: str, name: str = 'tests') -> str:
        out = subprocess.run([sys.executable, '-m', 'portal', 'create-token', user, name], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=True)
        return out.stdout.strip().splitlines()[-1]
    yield url, token, env
    stop_portal(process)


def client(url: str, token: str | None = None) -> httpx.Client:
    headers = {'Authorization': f'Bearer {token}'} if token else {}
    return httpx.Client(base_url=f'{url}/api/v1', headers=headers, timeout=30)


def test_auth_no_token_bad_token_revoked_token(portal):
    url, token, env = portal
    assert client(url).get('/registers').status_code == 401
    assert client(url, 'opt_deadbeef_nope').get('/registers').status_code == 401
    assert client(url, 'not-a-token').get('/registers').json()['code'] == 'token.bad'
    good = token('warehouse', 'to-revoke')
    assert client(url, good).get('/registers').status_code == 200
    revoke = '''
import asyncio
from portal.config import Settings
from portal import boot
from portal.people import tokens
from portal.schema import Actor
from portal.store.models import ApiToken
async def main():
    await boot.start(Settings(), first_start_demo=False)
    record = await ApiToken.get(name='to-revoke')
    await tokens.revoke(Actor(username=record.username), record.id)
    await boot.stop()
asyncio.run(main())'''
    subprocess.run([sys.executable, '-c', revoke], cwd=ROOT, env=env, check=True)
    assert client(url, good).get('/registers').status_code == 401


def test_registers_and_schema_follow_the_role(portal):
    url, token, _ = portal
    warehouse = client(url, token('warehouse'))
    keys = [r['key'] for r in warehouse.get('/registers').json()]
    assert 'shipments' in keys and 'complaints' not in keys
    schema = warehouse.get('/registers/shipments').json()
    names = [f['name'] for f in schema['fields']]
    assert 'order_amount' not in names and 'order_no' in names
    assert warehouse.get('/registers/complaints').status_code == 403


def test_rows_filters_paging_and_hidden_columns(portal):
    url, token, _ = portal
    warehouse = client(url, token('warehouse'))
    page = warehouse.get('/registers/shipments/rows', params={'limit': 20, 'start': 10, 'sort': '-quantity,order_no'})
    body = page.json()
    assert page.status_code == 200 and body['total'] == 1000 and len(body['rows']) == 20
    assert all('order_amount' not in r for r in body['rows'])
    quantities = [r['quantity'] for r in body['rows']]
    assert quantities == sorted(quantities, reverse=True)
    jd = warehouse.get('/registers/shipments/rows', params={
        'filter': json.dumps({'platform': {'filterType': 'set', 'values': ['京东']}}), 'limit': 1000}).json()
    assert jd['total'] == len(jd['rows']) and all(r['platform'] == '京东' for r in jd['rows'])
    where = warehouse.get('/registers/shipments/rows', params={'where': json.dumps({'status': '待发货'})}).json()
    assert all(r['status'] == '待发货' for r in where['rows'])
    bad = warehouse.get('/registers/shipments/rows', params={'sort': 'order_amount'})
    assert bad.status_code == 400 and '没有字段' in bad.json()['detail']
    assert warehouse.get('/registers/shipments/rows', params={'filter': '{nope'}).status_code == 400


def test_create_update_conflict_delete_restore(portal):
    url, token, _ = portal
    w = client(url, token('warehouse'))
    created = w.post('/registers/shipments/rows', json={'values': {'order_no': 'API-1', 'platform': '天猫',
                                                                   'sku': 'S-1', 'quantity': '2'}})
    assert created.status_code == 201
    row = created.json()
    assert row['quantity'] == 2 and row['_v'] == 1 and row['shipper'] == 'warehouse'
    bad = w.post('/registers/shipments/rows', json={'values': {'order_no': 'API-2', 'platform': '拼夕夕'}})
    assert bad.status_code == 422 and {p['field'] for p in bad.json()['problems']} >= {'platform', 'sku'}
    updated = w.patch(f'/registers/shipments/rows/{row["id"]}', json={'version': 1, 'values': {'quantity': 5}})
    assert updated.status_code == 200 and updated.json()['_v'] == 2
    stale = w.patch(f'/registers/shipments/rows/{row["id"]}', json={'version': 1, 'values': {'quantity': 9}})
    assert stale.status_code == 409
    assert stale.json()['current']['quantity'] == 5 and '版本 2' in stale.json()['detail']
    assert w.get(f'/registers/shipments/rows/{row["id"]}').json()['quantity'] == 5
    assert w.delete(f'/registers/shipments/rows/{row["id"]}').status_code == 204
    assert w.get(f'/registers/shipments/rows/{row["id"]}').status_code == 404
    assert w.post(f'/registers/shipments/rows/{row["id"]}/restore').json()['order_no'] == 'API-1'


def test_a_repeated_create_is_refused_naming_the_row(portal):
    """Two identical POSTs (a retried request, two clicks) make one shipment; the second says which row has it."""
    from concurrent.futures import ThreadPoolExecutor
    url, token, _ = portal
    body = {'values': {'order_no': 'API-DUP', 'platform': '天猫', 'sku': 'S-9', 'quantity': '1'}}
    key = token('warehouse')
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: client(url, key).post('/registers/shipments/rows', json=body), range(4)))
    made = [a for a in answers if a.status_code == 201]
    refused = [a for a in answers if a.status_code == 422]
    assert len(made) == 1 and len(refused) == 3, [a.text for a in answers]
    assert refused[0].json()['problems'][0]['field'] == 'order_no'
    assert f'(#{made[0].json()["id"]})' in refused[0].json()['problems'][0]['message']
    listed = client(url, key).get('/registers/shipments/rows', params={
        'filter': json.dumps({'order_no': {'filterType': 'text', 'type': 'equals', 'filter': 'API-DUP'}})})
    assert listed.json()['total'] == 1


def test_permission_matrix_through_the_api(portal):
    url, token, _ = portal
    ops, staff = client(url, token('ops')), client(url, token('staff'))
    target = ops.get('/registers/shipments/rows', params={'limit': 1}).json()['rows'][0]
    before = ops.get(f'/registers/shipments/rows/{target["id"]}').json()
    assert ops.post('/registers/shipments/rows', json={'values': {'order_no': 'X'}}).status_code == 403
    refused = ops.patch(f'/registers/shipments/rows/{target["id"]}', json={'version': target['_v'],
                                                                           'values': {'quantity': 3}})
    assert refused.status_code == 403 and refused.json()['code'] == 'perm.column'
    assert ops.delete(f'/registers/shipments/rows/{target["id"]}').status_code == 403
    assert ops.get(f'/registers/shipments/rows/{target["id"]}').json() == before          # nothing changed
    mine = staff.get('/registers/attendance/rows', params={'limit': 1000}).json()
    assert mine['rows'] and all(r['employee'] == 'staff' for r in mine['rows'])
    manager = client(url, token('manager'))
    other = manager.get('/registers/attendance/rows', params={
        'where': json.dumps({'employee': 'cs'}), 'limit': 1}).json()['rows'][0]
    assert staff.get(f'/registers/attendance/rows/{other["id"]}').status_code == 403
    assert staff.patch(f'/registers/attendance/rows/{other["id"]}', json={'version': other['_v'],
                                                                          'values': {'remark': 'x'}}).status_code == 403
    assert staff.get('/registers/shipments/rows').status_code == 403


def test_export_through_the_api(portal):
    url, token, env = portal
    response = client(url, token('manager')).get('/registers/shipments/export', params={'format': 'csv'})
    assert response.status_code == 200 and response.text.lstrip('\ufeff').startswith('发货日期')
    assert client(url, token('staff')).get('/registers/shipments/export').status_code == 403
    data = Path(env['PORTAL_DATA_DIR'])
    assert list((data / 'exports').iterdir()) == []          # sent, then deleted
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in [data, *data.glob('portal.db*')]}
    assert modes == {data.name: 0o700, 'portal.db': 0o600, 'portal.db-wal': 0o600, 'portal.db-shm': 0o600}


def test_openapi_is_served_to_token_holders_only(portal):
    url, token, _ = portal
    anonymous = httpx.get(f'{url}/api/v1/openapi.json', timeout=30)
    assert anonymous.status_code == 401 and 'shipments' not in anonymous.text
    docs = httpx.get(f'{url}/api/v1/docs', timeout=30, follow_redirects=False)
    assert docs.status_code in (302, 307) and docs.headers['location'] == '/login?redirect_to=/api/v1/docs'
    headers = {'Authorization': f'Bearer {token("staff", "docs")}'}
    spec = httpx.get(f'{url}/api/v1/openapi.json', timeout=30, headers=headers).json()
    assert spec['info']['title'].startswith('运营台')
    assert '/registers/{key}/rows/{row_id}' in spec['paths']
    page = httpx.get(f'{url}/api/v1/docs', timeout=30, headers=headers)
    assert 'swagger-ui' in page.text and page.headers['x-frame-options'] == 'DENY'
    assert 'https://' not in page.text and 'http://' not in page.text       # nothing from another site
    script = httpx.get(f'{url}/api/v1/docs-static/swagger-ui-bundle.js', timeout=30)     # from the package itself
    assert script.status_code == 200 and 'SwaggerUIBundle' in script.text[:5000]
    policy = page.headers['content-security-policy']      # the portal's own policy: no CDN, no framing
    assert 'cdn.' not in policy and "frame-ancestors 'none'" in policy
    assert spec['components']['securitySchemes']['HTTPBearer'] == {
        'type': 'http', 'scheme': 'bearer', 'description': spec['components']['securitySchemes']['HTTPBearer'][
            'description']}
    assert httpx.get(f'{url}/api/v1/openapi.json', timeout=30,
                     headers={'Authorization': 'Bearer opt_dead_beef'}).status_code == 401


def test_schema_driven_fuzz_finds_no_server_error(portal):
    """schemathesis generates requests from the OpenAPI description; no response may be a 5xx."""
    url, token, _ = portal
    schemathesis = pytest.importorskip('schemathesis')
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    headers = {'Authorization': f'Bearer {token("manager", "fuzz")}'}
    schema = schemathesis.openapi.from_url(f'{url}/api/v1/openapi.json', headers=headers)
    failures, calls = [], []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call(headers=headers)
            calls.append(response.status_code)
            try:
                case.validate_response(response, checks=[not_a_server_error])
            except Exception as exc:
                failures.append(f'{case.method} {case.formatted_path}: {response.status_code} {exc}')
                raise
        try:
            check()
        except Exception:
            pass
    assert failures == []
    assert len(calls) > 100 and {200, 201} & set(calls) and 404 in calls     # it really exercised the API


def test_one_error_shape_in_the_language_asked_for(portal):
    url, token, _ = portal
    api = client(url, token('manager', 'shapes'))
    row = api.get('/registers/shipments/rows', params={'limit': 1}).json()['rows'][0]
    cases = [
        api.patch(f'/registers/shipments/rows/{row["id"]}', json={'version': row['_v'], 'values': {'quantity': 'x'}},
                  headers={'Accept-Language': 'en-US,en;q=0.9'}),                       # a refused value
        api.patch(f'/registers/shipments/rows/{row["id"]}', json={'values': {}},
                  headers={'Accept-Language': 'en'}),                                   # no version: unreadable
        api.get('/registers/shipments/rows', params={'limit': 5000}, headers={'Accept-Language': 'en'}),
        api.get('/no/such/endpoint', headers={'Accept-Language': 'en'}),
        api.patch(f'/registers/shipments/rows/{row["id"]}', json={'version': 999, 'values': {'quantity': 2}},
                  headers={'Accept-Language': 'en'}),                                   # a version never made
    ]
    assert [r.status_code for r in cases] == [422, 422, 422, 404, 409]
    for response in cases:
        body = response.json()
        assert {'code', 'message', 'detail', 'problems'} <= set(body), body
        assert body['message'] == body['detail'] and not re.search(r'[\u4e00-\u9fff]', body['message']), body
    assert cases[0].json()['problems'] == [{'field': 'quantity', 'message': '"x" is not a whole number'}]
    assert cases[1].json()['code'] == 'request.invalid' and cases[1].json()['problems'][0]['field'] == 'version'
    assert cases[4].json()['code'] == 'error.version_unknown'
    chinese = api.patch(f'/registers/shipments/rows/{row["id"]}', json={'version': row['_v'],
                                                                        'values': {'quantity': 'x'}})
    assert chinese.json()['problems'][0]['message'] == '"x" 不是整数'


def test_where_or_contains_and_the_recycle_bin(portal):
    url, token, _ = portal
    api = client(url, token('manager', 'where'))
    some = api.get('/registers/shipments/rows', params={'limit': 200}).json()['rows']
    couriers = sorted({r['courier'] for r in some if r.get('courier')})[:2]
    either = api.get('/registers/shipments/rows', params={
        'limit': 1000, 'where': json.dumps({'or': [{'courier': couriers[0]}, {'courier': couriers[1]}]})}).json()
    assert either['total'] > 0 and {r['courier'] for r in either['rows']} == set(couriers)
    name = next(r['receiver'] for r in some if r.get('receiver'))
    found = api.get('/registers/shipments/rows', params={
        'limit': 1000, 'where': json.dumps({'receiver': {'contains': name[1:]}})}).json()
    assert found['total'] >= 1 and all(name[1:] in r['receiver'] for r in found['rows'])
    bad = api.get('/registers/shipments/rows', params={'where': json.dumps({'nope': 1})})
    assert bad.status_code == 400 and bad.json()['message'].count('nope') == 1       # said once
    victim = some[-1]
    assert api.delete(f'/registers/shipments/rows/{victim["id"]}').status_code == 204
    deleted = api.get('/registers/shipments/deleted').json()
    assert deleted[0]['id'] == victim['id'] and deleted[0]['deleted_by'] == '王经理'
    assert api.post(f'/registers/shipments/rows/{victim["id"]}/restore').status_code == 200
    assert all(d['id'] != victim['id'] for d in api.get('/registers/shipments/deleted').json())
    assert client(url, token('staff', 'bin')).get('/registers/shipments/deleted').status_code == 403


def test_row_links_come_back_with_the_callers_rights(portal):
    url, token, _ = portal
    w, cs = client(url, token('warehouse')), client(url, token('cs'))
    item = w.get('/registers/stock_items/rows', params={'limit': 1, 'sort': 'sku'}).json()['rows'][0]
    links = {link['register']: link for link in w.get(f'/registers/stock_items/rows/{item["id"]}/links').json()}
    receipts = w.get('/registers/goods_receipts/rows', params={'where': json.dumps({'sku': item['sku']}),
                                                                'limit': 1000}).json()
    assert links['goods_receipts']['count'] == receipts['total'] > 0
    assert {r['id'] for r in links['goods_receipts']['rows']} <= {r['id'] for r in receipts['rows']}
    seen_by_cs = {link['register'] for link in cs.get(f'/registers/stock_items/rows/{item["id"]}/links').json()}
    assert 'goods_receipts' not in seen_by_cs and 'shipments' in seen_by_cs    # cs cannot view receipts
    assert cs.get('/registers/goods_receipts/rows/1/links').status_code == 403


def test_a_goods_receipt_links_back_to_its_listing(portal):
    """商品上新登记 names the receipt its goods came with; the receipt's links list the listing (for the designer,
    who sees both), and not for the warehouse, who does not see listings."""
    url, token, _ = portal
    d, w = client(url, token('designer')), client(url, token('warehouse'))
    listing = next(r for r in d.get('/registers/listings/rows', params={'limit': 1000}).json()['rows'] if r['receipt'])
    links = {link['register']: link for link in
             d.get(f'/registers/goods_receipts/rows/{listing["receipt"]}/links').json()}
    assert links['listings']['field'] == 'receipt' and listing['id'] in {r['id'] for r in links['listings']['rows']}
    assert listing['sku'] in {r['title'] for r in links['listings']['rows']}
    seen = {link['register'] for link in w.get(f'/registers/goods_receipts/rows/{listing["receipt"]}/links').json()}
    assert 'listings' not in seen


def test_checklist_ticks_and_the_move_they_allow_in_one_call(portal):
    """Item 7: {"values": {"checks": …}} was refused; the schema lists the items, a PATCH ticks them and makes the
    move in one transaction (all or nothing), audited as the grid audits ticks, with the grid's rights."""
    url, token, env = portal
    w = client(url, token('warehouse'))
    schema = w.get('/registers/shipments').json()
    items = {c['id']: c for c in schema['checklist']}
    assert {'sorted_logged', 'remark_checked', 'inspected'} <= set(items)
    assert items['sorted_logged']['required_for'] == ['已打包', '已出库'] and items['inspected']['text']
    row = w.post('/registers/shipments/rows', json={'values': {'order_no': 'API-CHK', 'platform': '天猫',
                                                               'sku': 'S-C', 'quantity': '1'}}).json()
    assert row['checks'] == {} and row['status'] == '待发货'
    refused = w.patch(f'/registers/shipments/rows/{row["id"]}', json={
        'version': 1, 'values': {'status': '已打包'}, 'checks': {'sorted_logged': True}})
    assert refused.status_code == 422 and '已核对面单备注' in refused.json()['detail']
    assert w.get(f'/registers/shipments/rows/{row["id"]}').json()['checks'] == {}     # the tick was not kept
    unknown = w.patch(f'/registers/shipments/rows/{row["id"]}', json={'version': 1, 'checks': {'nope': True}})
    assert unknown.status_code == 400
    moved = w.patch(f'/registers/shipments/rows/{row["id"]}', json={
        'version': 1, 'values': {'status': '已打包'}, 'checks': {'sorted_logged': True, 'remark_checked': True}})
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body['status'] == '已打包' and set(body['checks']) == {'sorted_logged', 'remark_checked'}
    assert body['checks']['sorted_logged']['by'] == 'warehouse' and body['_v'] == 4
    untick = w.patch(f'/registers/shipments/rows/{row["id"]}', json={'version': 4, 'checks': {'remark_checked': False}})
    assert untick.status_code == 200 and set(untick.json()['checks']) == {'sorted_logged'}
    staff = client(url, token('staff'))      # no rights in shipments: no ticks either
    assert staff.patch(f'/registers/shipments/rows/{row["id"]}', json={
        'version': 5, 'checks': {'remark_checked': True}}).status_code == 403
    history = subprocess.run([sys.executable, '-c', f'''
import asyncio
from portal.config import Settings
from portal import boot
from portal.store.models import AuditEntry
async def main():
    await boot.start(Settings(), first_start_demo=False)
    rows = await AuditEntry.filter(register='shipments', row_id={row["id"]}).order_by('id').values_list(
        'event', 'field', 'source', 'actor')
    print(rows)
    await boot.stop()
asyncio.run(main())'''], cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    assert "('check', 'checklist.sorted_logged', 'api', 'warehouse')" in history
    assert "('update', 'status', 'api', 'warehouse')" in history
    assert "('check', 'checklist.remark_checked', 'api', 'warehouse')" in history
