"""Admin pages: users (create, disable, reset password, roles), view-as-role preview, schema reload."""
from __future__ import annotations

from nicegui import app, ui

from portal import boot
from portal.errors import PortalError
from portal.events import PROCESS_ID
from portal.i18n import add_messages
from portal.people import access, users
from portal.runtime import rt
from portal.ui.frame import frame, page_actor
from portal.ui.texts import t
from portal.web import auth

add_messages({
    'admin.users': ('用户', 'Users'),
    'admin.new_user': ('新建用户', 'New user'),
    'admin.display_name': ('姓名', 'Name'),
    'admin.roles': ('角色', 'Roles'),
    'admin.active': ('启用', 'Active'),
    'admin.inactive': ('停用', 'Disabled'),
    'admin.reset_for': ('重置 {username}({name})的密码', 'Reset the password of {username} ({name})'),
    'admin.reset': ('重置密码', 'Reset password'),
    'admin.create': ('创建', 'Create'),
    'admin.created': ('已创建用户 {username}', 'User {username} created'),
    'admin.updated': ('已更新 {username}', '{username} updated'),
    'admin.view_as': ('以角色身份预览', 'View as role'),
    'admin.view_as_go': ('预览', 'Preview'),
    'admin.reload': ('重新加载模式文件', 'Reload schema files'),
    'admin.reload_ok': ('模式已重新加载', 'Schemas reloaded'),
    'admin.last_reload': ('本进程({process})最近一次加载模式文件:{at},{result}',
                          'This process ({process}) last loaded the schema files at {at}: {result}'),
    'admin.reload_bad': ('模式文件有问题,门户继续使用上一次有效的模式:', 'The schema files have problems; the portal '
                         'keeps its last good schema:'),
    'admin.new_password': ('新密码(至少 8 位)', 'New password (8+ characters)'),
    'admin.migration': ('待应用的迁移', 'Migration waiting for the go-ahead'),
    'admin.migration_why': ('{at} 保存的模式文件需要改动已存的数据。门户继续使用当前的模式,直到您应用下面的计划'
                            '(标 ⚠ 的步骤改动已有的数据;建议先备份):',
                            'The schema files saved at {at} need a migration that changes stored data. The portal '
                            'keeps its current schemas until you apply the plan below (steps marked ⚠ change data '
                            'already there; back up first):'),
    'admin.migration_apply': ('应用迁移', 'Apply the migration'),
    'admin.migration_applied': ('迁移已应用,模式已切换', 'Migration applied; the schemas are switched'),
    'admin.migration_changed': ('模式文件在此期间又有修改,请查看新的计划', 'The schema files changed meanwhile; '
                                'review the new plan'),
})


def register() -> None:
    @ui.page('/admin')
    async def admin_page() -> None:
        actor = await page_actor('/admin')
        if actor is None:
            return
        lang = actor.lang
        catalog = rt().catalog
        with frame(actor, t('ui.admin', lang)):
            if not access.is_admin(catalog, actor) or actor.preview:
                ui.label(t('perm.admin', lang)).classes('text-h6 text-red-8').mark('no-access')
                return
            _migration_card(actor)            # first: an admin sent here by the banner sees it at once
            role_options = {k: f'{r.title(lang)} ({k})' for k, r in catalog.roles.items()}
            refresh = await _users_table(actor, role_options)
            _create_form(actor, role_options, refresh)
            with ui.row().classes('items-center gap-2 q-mt-md'):
                role = ui.select(role_options, label=t('admin.view_as', lang)).classes('w-64').mark('view-as')

                def go() -> None:
                    if role.value:
                        app.storage.user['view_as'] = role.value
                        ui.navigate.to('/')
                ui.button(t('admin.view_as_go', lang), on_click=go).mark('view-as-go')
            result = ui.column()

            async def reload() -> None:
                result.clear()
                problems = await boot.reload_schemas()
                with result:
                    if problems:
                        ui.label(t('admin.reload_bad', lang)).classes('text-red-8')
                        for problem in problems:
                            ui.label(str(problem)).classes('text-xs font-mono')
                    else:
                        ui.label(t('admin.reload_ok', lang)).classes('text-green-8')
            ui.button(t('admin.reload', lang), icon='refresh', on_click=reload).props('outline').mark('reload')
            last = rt().schema_reload
            if last:        # this process's last reload, whichever process (or file change) started it
                ui.label(t('admin.last_reload', lang, process=PROCESS_ID, at=last['at'],
                           result=t('admin.reload_ok' if last['ok'] else 'admin.reload_bad', lang))).classes(
                    'text-xs text-grey-7').mark('last-reload')


def _migration_card(actor) -> None:
    """The pending migration plan of this process (schema files whose migration changes stored data), with the
    button that applies exactly the plan shown; it refreshes itself when the files change again."""
    lang = actor.lang
    client = ui.context.client

    @ui.refreshable
    def card() -> None:
        pending = rt().schema_pending
        if not pending:
            return
        shown = list(pending['steps'])
        with ui.card().classes('w-full bg-amber-1 q-mb-md').props('id=migration').mark('migration'):
            ui.label(t('admin.migration', lang)).classes('text-h6 text-amber-10')
            ui.label(t('admin.migration_why', lang, at=pending['at'])).classes('text-sm')
            held = set(pending['held'])
            for line in shown:
                ui.label(('⚠ ' if line in held else '· ') + line).classes(
                    'text-xs font-mono' + (' text-weight-bold text-amber-10' if line in held else '')).mark(
                    'migration-step')
            for note in pending['notes']:
                ui.label(note).classes('text-xs font-mono text-grey-8')

            async def go() -> None:
                problems = await boot.reload_schemas(apply=shown, by=actor.username)
                if problems:
                    ui.notify(t('admin.reload_bad', lang), type='negative')
                elif rt().schema_pending:
                    ui.notify(t('admin.migration_changed', lang), type='warning')
                else:
                    ui.notify(t('admin.migration_applied', lang), type='positive')
                card.refresh()
            ui.button(t('admin.migration_apply', lang), icon='play_arrow', on_click=go).props(
                'color=amber-10').mark('migration-apply')
    card()
    client.on_delete(rt().on_schema(lambda _changed: card.refresh()))


async def _users_table(actor, role_options: dict[str, str]):
    """The users list; returns its refresh (per page, never shared between clients)."""
    lang = actor.lang

    @ui.refreshable
    async def table() -> None:
        with ui.column().classes('w-full gap-1'):
            for user in await users.list_users():
                with ui.row().classes('items-center gap-3 w-full').mark(f'user-{user.username}'):
                    ui.label(user.username).classes('w-28 font-mono')
                    ui.label(user.display_name).classes('w-24')
                    roles = ui.select(role_options, value=list(user.roles), multiple=True).props(
                        'dense use-chips').classes('w-96')
                    active = ui.switch(t('admin.active' if user.active else 'admin.inactive', lang),
                                       value=user.active).mark(f'active-{user.username}')
                    active.on_value_change(lambda e, s=active: s.set_text(
                        t('admin.active' if e.value else 'admin.inactive', lang)))

                    async def save(username=user.username, roles=roles, active=active) -> None:
                        try:
                            await users.update_user(actor, username, roles=list(roles.value), active=active.value)
                        except PortalError as exc:
                            ui.notify(exc.message(lang), type='negative')
                            return
                        auth.forget_actor(username)
                        ui.notify(t('admin.updated', lang, username=username), type='positive')
                    ui.button(icon='save', on_click=save).props('flat dense').tooltip(t('ui.save', lang)).mark(
                        f'save-{user.username}')

                    async def reset(username=user.username, name=user.display_name) -> None:
                        with ui.dialog() as dialog, ui.card():
                            ui.label(t('admin.reset_for', lang, username=username, name=name)).classes('text-h6')
                            password = ui.input(t('admin.new_password', lang), password=True).classes('w-full')
                            with ui.row().classes('w-full justify-end'):
                                ui.button(t('ui.cancel', lang), on_click=dialog.close).props('flat')
                                ui.button(t('ui.save', lang), on_click=lambda: dialog.submit(password.value))
                        value = await dialog
                        if value:
                            try:
                                await users.update_user(actor, username, password=value)
                            except PortalError as exc:
                                ui.notify(exc.message(lang), type='negative')
                                return
                            ui.notify(t('admin.updated', lang, username=username), type='positive')
                    ui.button(t('admin.reset', lang), on_click=reset).props('flat dense')
    ui.label(t('admin.users', lang)).classes('text-h6')
    await table()
    return table.refresh


def _create_form(actor, role_options: dict[str, str], refresh) -> None:
    lang = actor.lang
    ui.label(t('admin.new_user', lang)).classes('text-subtitle1 q-mt-md')
    with ui.row().classes('items-end gap-2'):
        username = ui.input(t('ui.username', lang)).mark('new-username')
        name = ui.input(t('admin.display_name', lang)).mark('new-name')
        password = ui.input(t('ui.password', lang), password=True).mark('new-password')
        roles = ui.select(role_options, multiple=True, label=t('admin.roles', lang), value=['staff']).props(
            'use-chips').classes('w-72').mark('new-roles')

        async def create() -> None:
            try:
                await users.create_user(actor, username=username.value or '', display_name=name.value or '',
                                        password=password.value or '', roles=list(roles.value or []))
            except PortalError as exc:
                ui.notify(exc.message(lang), type='negative')
                return
            ui.notify(t('admin.created', lang, username=username.value), type='positive')
            for box in (username, name, password):
                box.value = ''
            refresh()
        ui.button(t('admin.create', lang), on_click=create).mark('create-user')
