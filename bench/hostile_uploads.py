"""Hostile uploads as a person sends them: a real portal process (`python -m portal run`), headless Chromium signed in
as the warehouse keeper uploads each file of tests/hostile.py into 发货登记's 导入 dialog (the API has no import
endpoint) and waits for the refusal. Per file: time to the refusal, the server process's peak RSS growth (VmRSS of
/proc/<pid>/status sampled every 10 ms; the reading process's own peak beside it), and the longest answer of a
second client asking /healthz every 50 ms meanwhile.

    python bench/hostile_uploads.py                        # this tree's portal, started on a free port
    python bench/hostile_uploads.py --root /tmp/before     # another tree (e.g. `git archive` of an older commit)
    python bench/hostile_uploads.py --only xfd-corner.xlsx --only commas.csv
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import hostile  # noqa: E402
from tests.browser.conftest import ARGS, CHROMIUM  # noqa: E402
from tests.portal_process import PASSWORD, _free_port  # noqa: E402


def rss_kb(pid: int) -> int:
    try:
        status = Path(f'/proc/{pid}/status').read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return int(next((line.split()[1] for line in status.splitlines() if line.startswith('VmRSS:')), 0))


def readers(pid: int) -> list[int]:
    """The server's reading processes (python -m portal.excel.reader), not its other children (NiceGUI's pool)."""
    found = []
    try:
        pids = Path(f'/proc/{pid}/task/{pid}/children').read_text().split()
    except (FileNotFoundError, ProcessLookupError):
        return []
    for child in pids:
        try:
            if b'portal.excel.reader' in Path(f'/proc/{child}/cmdline').read_bytes():
                found.append(int(child))
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


class Watch:
    """While an upload runs: the server's RSS and its children's, every 10 ms; /healthz every 50 ms."""

    def __init__(self, pid: int, url: str) -> None:
        self.pid, self.url = pid, url
        self.base = rss_kb(pid)
        self.peak = self.child_peak = 0
        self.stall = 0.0
        self.failed = 0
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._memory), threading.Thread(target=self._health)]

    def __enter__(self) -> Watch:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def _memory(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_kb(self.pid))
            self.child_peak = max([self.child_peak, *(rss_kb(c) for c in readers(self.pid))])
            time.sleep(0.01)

    def _health(self) -> None:
        while not self.stop.is_set():
            start = time.perf_counter()
            try:
                urllib.request.urlopen(f'{self.url}/healthz', timeout=30).read()
            except OSError:
                self.failed += 1
            self.stall = max(self.stall, time.perf_counter() - start)
            time.sleep(0.05)


def start(root: Path, data: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith('PYTEST_')}, 'PORTAL_DATA_DIR': str(data),
           'PORTAL_PORT': str(port), 'PORTAL_DEMO_PASSWORD': PASSWORD, 'PORTAL_STORAGE_SECRET': 'bench-secret',
           'PYTHONPATH': str(root)}
    process = subprocess.Popen([sys.executable, '-m', 'portal', 'run'], cwd=root, env=env,
                               stdout=open(data / 'portal.log', 'w'), stderr=subprocess.STDOUT)
    url = f'http://127.0.0.1:{port}'
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f'portal exited: {(data / "portal.log").read_text()[-2000:]}')
        try:
            urllib.request.urlopen(f'{url}/healthz', timeout=2)
            return process, url
        except OSError:
            time.sleep(0.3)
    raise SystemExit('portal did not start')


def sign_in(browser, url: str):
    page = browser.new_context(viewport={'width': 1400, 'height': 900}, locale='zh-CN').new_page()
    page.set_default_timeout(60_000)
    page.goto(f'{url}/login')
    page.get_by_label('用户名').fill('warehouse')
    page.get_by_label('密码').fill(PASSWORD)
    page.get_by_role('button', name='登录').click()
    page.wait_for_url(f'{url}/')
    return page


def upload(page, url: str, path: Path, watch: Watch) -> tuple[str, float]:
    """Open the dialog afresh, then (watched) send the file and wait for the dialog's verdict: its text and the
    seconds from choosing the file to seeing the verdict."""
    page.goto(f'{url}/r/shipments')
    page.locator('.ag-center-cols-container .ag-row[row-id]').first.wait_for()
    page.get_by_role('button', name='导入').click()
    dialog = page.locator('.q-dialog').filter(has_text='导入 Excel / CSV')
    with page.expect_file_chooser() as chooser:
        dialog.locator('.q-uploader__input, input[type=file]').first.evaluate('e => e.click()')
    verdict = dialog.locator('.text-red-8').or_(dialog.get_by_text(re.compile(r'新增 [\d,]+ 行'))).first
    with watch:
        begin = time.perf_counter()
        chooser.value.set_files(str(path))
        verdict.wait_for()
        return verdict.inner_text(), time.perf_counter() - begin


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--root', default=str(ROOT), help='the project tree whose portal is started')
    parser.add_argument('--only', action='append', default=[], help='a file name of the corpus (repeatable)')
    args = parser.parse_args()
    out = ROOT / 'bench/out/hostile'
    shutil.rmtree(out, ignore_errors=True)
    files = [(p, w) for p, w in hostile.build_all(out / 'files') if not args.only or p.name in args.only]
    data = out / 'data'
    data.mkdir(parents=True)
    process, url = start(Path(args.root), data)
    from playwright.sync_api import TimeoutError as Timeout
    from playwright.sync_api import sync_playwright
    print(f'{"file":<32} {"size":>9} {"refused in":>10} {"server +RSS":>11} {"reader RSS":>10} {"/healthz max":>12}  '
          'verdict')
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = sign_in(browser, url)
            for path, _ in files:
                if process.poll() is not None:
                    print(f'{path.name:<32} the server is gone (exit {process.returncode}); restarting it')
                    process, url = start(Path(args.root), data)
                    page = sign_in(browser, url)
                watch = Watch(process.pid, url)
                try:
                    verdict, elapsed = upload(page, url, path, watch)
                except Timeout:
                    verdict, elapsed = 'no verdict in 60 s', float('nan')
                alive = process.poll() is None
                print(f'{path.name:<32} {path.stat().st_size / 1e6:7.2f}MB {elapsed:9.2f}s '
                      f'{(watch.peak - watch.base) / 1024:+9.0f}MB {watch.child_peak / 1024:8.0f}MB '
                      f'{watch.stall * 1000:10.0f}ms  {verdict.strip()[:70] if alive else "SERVER DIED"}'
                      + (f' ({watch.failed} health checks failed)' if watch.failed else ''), flush=True)
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=20)
    kept = [p.name for p in (data / 'uploads').iterdir()] if (data / 'uploads').exists() else []
    print(f'files left in data/uploads: {len(kept)}')


if __name__ == '__main__':
    main()
