"""Entry point for NiceGUI's `user` fixture: the real portal app on the test's own database (see page tests)."""
from nicegui import ui

from portal.app import build
from portal.config import Settings

build(Settings(), first_start_demo=True)

if __name__ in {'__main__', '__mp_main__'}:
    ui.run(storage_secret='test-secret', language='zh-CN')
