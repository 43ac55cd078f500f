"""Over real HTTP against a real portal process: security headers on every kind of response, API docs behind
a session or token."""
from __future__ import annotations

import re

import httpx
import pytest

from .portal_process import start_portal, stop_portal

EXPECTED = {'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin', 'x-frame-options': 'DENY'}


@pytest.fixture(scope='module')
def portal(tmp_path_factory):
    process, url = start_portal(tmp_path_factory.mktemp('hardening'), env={'PORTAL_SEED_DEMO': '0'})
    yield url
    stop_portal(process)


def assert_hardened(response: httpx.Response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (response.request.url, name)
    csp = dict(part.strip().split(' ', 1) for part in response.headers['content-security-policy'].split(';'))
    assert csp['frame-ancestors'] == "'none'" and csp['object-src'] == "'none'" and csp['base-uri'] == "'self'"
    assert csp['script-src-attr'] == "'none'" and csp['default-src'] == "'self'"


def test_every_kind_of_response_carries_the_security_headers(portal):
    with httpx.Client(base_url=portal, follow_redirects=False, timeout=20) as client:
        responses = {
            'page': client.get('/login'),
            'redirect': client.get('/r/shipments'),
            'refused': client.post('/grid/shipments/rows', json={}),
            'static': client.get('/portal-static/portal.js'),
            'nicegui asset': client.get(re.search(r'/_nicegui/[^"]+?\.js', client.get('/login').text)[0]),
            'api 401': client.get('/api/v1/registers'),
            'health': client.get('/healthz'),
            'missing': client.get('/no-such-page'),
        }
    assert responses['page'].status_code == 200 and responses['redirect'].status_code in (302, 307)
    assert responses['refused'].status_code == 401 and responses['api 401'].status_code == 401
    assert responses['static'].status_code == 200 and responses['nicegui asset'].status_code == 200
    for kind, response in responses.items():
        assert_hardened(response)


def test_a_body_over_the_import_limit_is_refused_before_it_is_read(tmp_path):
    """NiceGUI's upload route has no ceiling of its own: the portal refuses a body over PORTAL_IMPORT_MAX_MB with 413
    as soon as its declared length — or, sent in chunks, what has arrived — crosses it."""
    process, url = start_portal(tmp_path, env={'PORTAL_SEED_DEMO': '0', 'PORTAL_IMPORT_MAX_MB': '1'})
    try:
        target = f'{url}/_nicegui/client/x/upload/y'
        declared = httpx.post(target, content=b'x' * (3 * 1024 * 1024), timeout=30)
        assert declared.status_code == 413 and declared.json()['code'] == 'file.too_big'
        assert_hardened(declared)

        def chunks():
            for _ in range(40):
                yield b'y' * (256 * 1024)
        streamed = httpx.post(f'{url}/api/v1/registers/shipments/rows', content=chunks(), timeout=30,
                              headers={'Content-Type': 'application/json'})    # (an endpoint that reads its body)
        assert streamed.status_code == 413
        assert httpx.post(target, content=chunks(), timeout=30).status_code == 401    # no session: not even read
        small = httpx.post(f'{url}/grid/shipments/rows', json={}, timeout=30)
        assert small.status_code == 401            # under the limit: on to the usual checks
    finally:
        stop_portal(process)
