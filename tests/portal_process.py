"""Start a real portal process (python -m portal run) on a free port for HTTP and browser tests."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = 'demo-pass-2026'      # (conftest.DEMO_PASSWORD)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def start_portal(tmp: Path, *, port: int | None = None, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    process, url = spawn_portal(tmp, port=port, env=env)
    wait_ready(process, url, tmp)
    return process, url


def spawn_portal(tmp: Path, *, port: int | None = None, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """`python -m portal run` started, not waited for (several can start at the same instant)."""
    port = port or _free_port()
    inherited = {k: v for k, v in os.environ.items()
                 if not k.startswith(('PYTEST_', 'NICEGUI_USER_SIMULATION', 'NICEGUI_SCREEN'))}
    environment = {**inherited, 'PORTAL_DATA_DIR': str(tmp), 'PORTAL_PORT': str(port),
                   'PORTAL_DEMO_PASSWORD': PASSWORD, 'PORTAL_STORAGE_SECRET': 'test-secret', **(env or {})}
    log = open(tmp / 'portal.log', 'w')
    process = subprocess.Popen([sys.executable, '-m', 'portal', 'run'], cwd=ROOT, env=environment, stdout=log,
                               stderr=subprocess.STDOUT)
    return process, f'http://127.0.0.1:{port}'


def wait_ready(process: subprocess.Popen, url: str, tmp: Path) -> None:
    deadline = time.time() + 90
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f'portal exited: {(tmp / "portal.log").read_text()[-3000:]}')
        try:
            urllib.request.urlopen(f'{url}/healthz', timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError('portal did not start in time')


def stop_portal(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
