"""REST API over real HTTP against a real portal process: token auth, the same rights as the UI, 409 on
stale versions, filters and paging, OpenAPI served, and a schema-driven fuzz that must find no 500."""
from __future__ import annotations

import json
import os
import subprocess
import sys

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
from portal import boot, tokens
from portal.models import ApiToken
async def main():
    await boot.start(Settings(), first_start_demo=False)
    record = await ApiToken.get(name='to-revoke')
    from portal.access import Actor
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
    url, token, _ = portal
    response = client(url, token('manager')).get('/registers/shipments/export', params={'format': 'csv'})
    assert response.status_code == 200 and response.text.lstrip('\ufeff').startswith('发货日期')
    assert client(url, token('staff')).get('/registers/shipments/export').status_code == 403


def test_openapi_is_served(portal):
    url, token, _ = portal
    spec = httpx.get(f'{url}/api/v1/openapi.json', timeout=30).json()
    assert spec['info']['title'].startswith('运营台')
    assert '/registers/{key}/rows/{row_id}' in spec['paths']


def test_schema_driven_fuzz_finds_no_server_error(portal):
    """schemathesis generates requests from the OpenAPI description; no response may be a 5xx."""
    url, token, _ = portal
    schemathesis = pytest.importorskip('schemathesis')
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    schema = schemathesis.openapi.from_url(f'{url}/api/v1/openapi.json')
    headers = {'Authorization': f'Bearer {token("manager", "fuzz")}'}
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
