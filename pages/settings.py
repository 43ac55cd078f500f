"""The user's settings page: language (API tokens are added by the REST API issue)."""
from __future__ import annotations

from nicegui import app, ui

from portal import auth, users
from portal.ui.frame import frame
from portal.ui.texts import t

SECTIONS = []   # callables(actor) adding more sections (e.g. API tokens)


def register() -> None:
    @ui.page('/settings')
    async def settings_page() -> None:
        actor = await auth.current_actor()
        if actor is None:
            ui.navigate.to('/login?redirect_to=/settings')
            return
        lang = actor.lang
        with frame(actor, t('ui.settings', lang)):
            async def set_lang(e) -> None:
                app.storage.user['lang'] = e.value
                await users.set_language(actor.username, e.value)
                ui.navigate.reload()
            ui.toggle({'zh': '中文', 'en': 'English'}, value=lang, on_change=set_lang).mark('lang-toggle')
            for section in SECTIONS:
                await section(actor)
