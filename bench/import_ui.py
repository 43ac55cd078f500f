"""The import as a person does it: a real portal process (`python -m portal run`, SQLite, demo data), headless
Chromium signs in as the manager, opens 发货登记, uploads the 100,000-row file of excel_bench.py into the import
dialog, waits for the preview, clicks 导入 and waits for 已导入. Meanwhile another client asks the same server for
/healthz every 100 ms: its latency shows whether the import freezes the server for everyone else.

    python bench/excel_bench.py --rows 100000     # writes bench/out/files/shipments-0-100000.xlsx
    python bench/import_ui.py
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import load_line, percentile  # noqa: E402
from tests.browser.conftest import ARGS, CHROMIUM  # noqa: E402
from tests.portal_process import PASSWORD, start_portal, stop_portal  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--file', default=str(ROOT / 'bench/out/files/shipments-0-100000.xlsx'))
    args = parser.parse_args()
    source = Path(args.file)
    if not source.exists():
        raise SystemExit(f'{source} is missing: run python bench/excel_bench.py --rows 100000 first')
    data = ROOT / 'bench/out/import-ui'
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    print(f'data: a first start of python -m portal run (demo users and demo rows); {load_line()}')
    process, url = start_portal(data)
    latencies: list[tuple[float, float]] = []
    done = threading.Event()

    def other_user() -> None:
        while not done.is_set():
            start = time.perf_counter()
            urllib.request.urlopen(f'{url}/healthz', timeout=60).read()
            latencies.append((start, time.perf_counter() - start))
            time.sleep(0.1)
    try:
        from playwright.sync_api import sync_playwright
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_context(viewport={'width': 1400, 'height': 900}, locale='zh-CN').new_page()
            page.set_default_timeout(180_000)
            page.goto(f'{url}/login')
            page.get_by_label('用户名').fill('manager')
            page.get_by_label('密码').fill(PASSWORD)
            page.get_by_role('button', name='登录').click()
            page.wait_for_url(f'{url}/')
            page.goto(f'{url}/r/shipments')
            page.locator('.ag-center-cols-container .ag-row[row-id]').first.wait_for()
            page.get_by_role('button', name='导入').click()
            dialog = page.locator('.q-dialog').filter(has_text='导入 Excel / CSV')
            with page.expect_file_chooser() as chooser:
                dialog.locator('.q-uploader__input, input[type=file]').first.evaluate('e => e.click()')
            watcher = threading.Thread(target=other_user)
            watcher.start()
            start = time.perf_counter()
            chooser.value.set_files(str(source))
            preview = dialog.get_by_text(re.compile(r'新增 [\d,]+ 行'))
            preview.wait_for()
            checked = time.perf_counter()
            summary = preview.inner_text()
            dialog.get_by_role('button', name='导入', exact=True).click()
            page.get_by_text('已导入').first.wait_for()
            applied = time.perf_counter()
            done.set()
            watcher.join()
            browser.close()
    finally:
        done.set()
        stop_portal(process)
    lat = [d * 1000 for _, d in latencies]
    print(f'file {source.name} ({source.stat().st_size / 1e6:.1f} MB): {summary}')
    print(f'upload + read + check until the preview shows: {checked - start:5.1f} s')
    print(f'apply until 已导入 shows:                      {applied - checked:5.1f} s')
    print(f'another client meanwhile, /healthz every 100 ms: n={len(lat)} p50 {percentile(lat, 50):.0f} ms '
          f'p95 {percentile(lat, 95):.0f} ms max {max(lat):.0f} ms   ({load_line()})')


if __name__ == '__main__':
    main()
