"""The README's team setup tried for real: two `python -m portal run` processes on PostgreSQL + Redis behind nginx
configured with the README's block (ports filled in). Checks what an administrator meets:

- an upload-sized request body (5 MB) passes the proxy (no nginx 413; the portal itself answers),
- browsers behind one address (one NAT) are spread over both processes, while one browser — whose session cookie's
  signature part changes with every response — always reaches the same process (its pages' sockets live there).

    python bench/proxy_check.py        # needs nginx, PostgreSQL on 127.0.0.1:5432 and Redis on 6379
"""
from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.portal_process import _free_port, spawn_portal, stop_portal, wait_ready  # noqa: E402

PG_SERVER = os.environ.get('PORTAL_BENCH_PG_SERVER', 'postgres://postgres@127.0.0.1:5432')
REDIS = os.environ.get('PORTAL_BENCH_REDIS', 'redis://127.0.0.1:6379/5')


def readme_nginx_block() -> str:
    """The nginx configuration exactly as README.md shows it."""
    text = (ROOT / 'README.md').read_text(encoding='utf-8')
    return re.search(r'```nginx\n(.*?)```', text, re.S)[1]


async def _database(create: bool, name: str) -> None:
    import asyncpg
    admin = await asyncpg.connect(PG_SERVER.replace('postgres://', 'postgresql://') + '/postgres')
    try:
        await admin.execute(f'CREATE DATABASE {name}' if create else f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')
    finally:
        await admin.close()


def main() -> int:
    if not shutil.which('nginx'):
        print('nginx is not installed (apt-get install nginx-light)')
        return 2
    name = f'portal_bench_proxy_{uuid.uuid4().hex[:6]}'
    asyncio.run(_database(True, name))
    work = Path(tempfile.mkdtemp(prefix='proxy-'))
    env = {'PORTAL_DB_URL': f'{PG_SERVER}/{name}', 'PORTAL_REDIS_URL': REDIS, 'PORTAL_SEED_DEMO': '0'}
    ports = [_free_port(), _free_port()]
    processes = []
    nginx = None
    try:
        for port in ports:
            home = work / str(port)
            home.mkdir()
            processes.append((*spawn_portal(home, port=port, env=env), home))
        for process, url, home in processes:
            wait_ready(process, url, home)
        front = _free_port()
        block = readme_nginx_block().replace('127.0.0.1:8081', f'127.0.0.1:{ports[0]}') \
            .replace('127.0.0.1:8082', f'127.0.0.1:{ports[1]}').replace('listen 80;', f'listen 127.0.0.1:{front};')
        conf = work / 'nginx.conf'
        conf.write_text(f'daemon off; pid {work}/nginx.pid; error_log {work}/error.log;\n'
                        f'events {{}}\nhttp {{ access_log off; client_body_temp_path {work}/body;\n{block}\n}}\n')
        nginx = subprocess.Popen(['nginx', '-c', str(conf), '-p', str(work)])
        base = f'http://127.0.0.1:{front}'
        token = subprocess.run([sys.executable, '-m', 'portal', 'create-token', 'admin', 'proxy'], cwd=ROOT,
                               env={**os.environ, **env}, capture_output=True, text=True, check=True
                               ).stdout.strip().splitlines()[-1]
        headers = {'Authorization': f'Bearer {token}'}
        for _ in range(50):
            try:
                httpx.get(f'{base}/healthz', timeout=2)
                break
            except httpx.HTTPError:
                asyncio.run(asyncio.sleep(0.1))
        big = httpx.post(f'{base}/api/v1/registers/shipments/rows', headers=headers, timeout=60,
                         content=b'{"values": {"waybill_remark": "' + b'x' * (5 * 1024 * 1024) + b'"}}')
        print(f'5 MB request through the proxy: HTTP {big.status_code} from '
              f'{"the portal" if "code" in big.text[:200] else "nginx"}')
        spread = set()
        for i in range(20):           # 20 browsers behind one address: their cookies differ
            cookie = f'session=eyJpZCI6{uuid.uuid4().hex}.sig{i}'
            spread.add(httpx.get(f'{base}/api/v1/status', headers={**headers, 'Cookie': cookie},
                                 timeout=30).json()['process'])
        same = set()
        payload = f'eyJpZCI6{uuid.uuid4().hex}'
        for i in range(20):           # one browser: the cookie's signature part changes, its payload does not
            same.add(httpx.get(f'{base}/api/v1/status', headers={**headers, 'Cookie': f'session={payload}.t{i}'},
                               timeout=30).json()['process'])
        print(f'20 browsers behind one address reach {len(spread)} process(es); one browser reaches {len(same)}')
        ok = big.status_code != 413 and len(spread) == 2 and len(same) == 1
        print('OK' if ok else 'FAILED')
        return 0 if ok else 1
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=10)
        for process, _, _ in processes:
            stop_portal(process)
        asyncio.run(_database(False, name))
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    raise SystemExit(main())
