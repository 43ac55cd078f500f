"""The user's settings page: language, their own password and personal API tokens."""
from __future__ import annotations

from nicegui import app, ui

from portal.errors import PortalError
from portal.i18n import add_messages
from portal.people import tokens, users
from portal.ui.frame import frame, page_actor
from portal.ui.history_ui import local_time
from portal.ui.texts import t

add_messages({
    'tokens.title': ('API 令牌', 'API tokens'),
    'tokens.note': ('令牌代表您本人调用 /api/v1(权限与您相同);只显示一次,请妥善保存。',
                    'A token calls /api/v1 as you (with your rights); it is shown once — keep it safe.'),
    'tokens.name': ('名称(如:ERP 同步)', 'Name (e.g. ERP sync)'),
    'tokens.create': ('创建令牌', 'Create token'),
    'tokens.created': ('新令牌(只显示这一次):', 'New token (shown only now):'),
    'tokens.revoke': ('撤销', 'Revoke'),
    'tokens.revoked': ('已撤销', 'revoked'),
    'tokens.last_used': ('最近使用', 'last used'),
    'password.title': ('修改密码', 'Change password'),
    'password.current': ('当前密码', 'Current password'),
    'password.new': ('新密码(至少 8 位)', 'New password (8+ characters)'),
    'password.repeat': ('再次输入新密码', 'New password again'),
    'password.mismatch': ('两次输入的新密码不一致', 'The two new passwords differ'),
    'password.change': ('修改密码', 'Change password'),
    'password.changed': ('密码已修改', 'Password changed'),
    'password.due': ('您的密码不再符合安全要求,请先修改密码再继续使用。',
                     'Your password no longer meets the requirements; change it before you continue.'),
})


async def _password_section(actor) -> None:
    lang = actor.lang
    ui.label(t('password.title', lang)).classes('text-h6 q-mt-md')
    if actor.password_change_due:
        ui.label(t('password.due', lang)).classes('text-orange-9').mark('password-due')
    with ui.row().classes('items-end gap-2'):
        current = ui.input(t('password.current', lang), password=True).classes('w-48').mark('password-current')
        new = ui.input(t('password.new', lang), password=True).classes('w-48').mark('password-new')
        again = ui.input(t('password.repeat', lang), password=True).classes('w-48').mark('password-repeat')

        async def change() -> None:
            if (new.value or '') != (again.value or ''):
                ui.notify(t('password.mismatch', lang), type='negative')
                return
            try:
                await users.change_own_password(actor, current.value or '', new.value or '')
            except PortalError as exc:
                ui.notify(exc.message(lang), type='negative')
                return
            for box in (current, new, again):
                box.value = ''
            ui.notify(t('password.changed', lang), type='positive')
            if actor.password_change_due:
                ui.navigate.to('/')
        ui.button(t('password.change', lang), on_click=change).mark('password-change')


async def _tokens_section(actor) -> None:
    lang = actor.lang
    ui.label(t('tokens.title', lang)).classes('text-h6 q-mt-md')
    ui.label(t('tokens.note', lang)).classes('text-sm text-grey-7')

    @ui.refreshable
    async def listing() -> None:
        for item in await tokens.list_for(actor.username):
            with ui.row().classes('items-center gap-3').mark(f'token-{item["name"]}'):
                ui.label(item['name']).classes('w-40')
                ui.label(f'opt_{item["prefix"]}_…').classes('font-mono text-grey-7 w-36')
                ui.label(local_time(item['created_at'])).classes('text-sm w-40')
                if item['revoked_at']:
                    ui.label(t('tokens.revoked', lang)).classes('text-red-8')
                else:
                    if item['last_used_at']:
                        ui.label(f'{t("tokens.last_used", lang)} {local_time(item["last_used_at"])}').classes('text-xs')

                    async def revoke(token_id=item['id']) -> None:
                        await tokens.revoke(actor, token_id)
                        await listing.refresh()
                    ui.button(t('tokens.revoke', lang), on_click=revoke).props('flat dense color=negative').mark(
                        'token-revoke')
    await listing()
    shown = ui.column()
    with ui.row().classes('items-end gap-2'):
        name = ui.input(t('tokens.name', lang)).classes('w-64').mark('token-name')

        async def create() -> None:
            try:
                _, text = await tokens.create(actor, name.value or '')
            except PortalError as exc:
                ui.notify(exc.message(lang), type='negative')
                return
            shown.clear()
            with shown:
                ui.label(t('tokens.created', lang)).classes('text-green-9')
                ui.code(text).classes('w-[640px]').mark('token-value')
            name.value = ''
            await listing.refresh()
        ui.button(t('tokens.create', lang), on_click=create).mark('token-create')


SECTIONS = [_password_section, _tokens_section]


def register() -> None:
    @ui.page('/settings')
    async def settings_page() -> None:
        actor = await page_actor('/settings')
        if actor is None:
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
