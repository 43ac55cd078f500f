"""Entry point for NiceGUI's `user` fixture: the real portal app on the test's own database, a copy of a demo
database made once per session (see page tests)."""
from nicegui import ui

from portal.app import build
from portal.config import Settings

build(Settings())

if __name__ in {'__main__', '__mp_main__'}:
    ui.run(storage_secret='test-secret', language='zh-CN')
