"""Questions a page's Python asks its own browser: the grid's view state, the focused cell, the ticked rows.

NiceGUI waits one second for the answer by default. On a busy machine (or a slow laptop) the answer came later,
and the click did nothing but log a TimeoutError (the column chooser opened empty, 导出 and 打开 did not start).
Every question waits `ASK_SECONDS`; a browser that still has not answered gets a message saying so."""
from __future__ import annotations

from typing import Any

from nicegui import ui

from ..i18n import add_messages, t

ASK_SECONDS = 20.0

add_messages({'ui.browser_slow': ('浏览器没有及时响应,请再试一次', 'The browser did not answer in time; please try again')})


async def ask(js: str, lang: str = 'zh') -> Any:
    """The value of a JavaScript expression evaluated in this page's browser."""
    try:
        return await ui.run_javascript(js, timeout=ASK_SECONDS)
    except TimeoutError:
        ui.notify(t('ui.browser_slow', lang), type='warning')
        raise
