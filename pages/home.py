"""Each user's home page: their registers with row counts and their work queues with counts and links."""
from __future__ import annotations

from nicegui import ui

from portal import access, records
from portal.query import RowQuery
from portal.runtime import rt
from portal.ui.frame import frame, page_actor
from portal.ui.texts import t


def queues_for(actor):
    """(register, queue) pairs meant for the actor's roles (admins see every queue)."""
    catalog = rt().catalog
    admin = access.is_admin(catalog, actor)
    for register in access.registers_for(catalog, actor):
        for queue in register.queues:
            if admin or not queue.roles or set(queue.roles) & set(actor.roles):
                yield register, queue


def register() -> None:
    @ui.page('/')
    async def home() -> None:
        actor = await page_actor('/')
        if actor is None:
            return
        lang = actor.lang
        with frame(actor, t('ui.home', lang)):
            ui.label(t('ui.welcome', lang, name=actor.name)).classes('text-h5')
            ui.label(t('ui.queues', lang)).classes('text-subtitle1 text-grey-8')
            with ui.row().classes('gap-3 flex-wrap'):
                for reg, queue in queues_for(actor):
                    count = await records.count_rows(actor, reg.key, RowQuery(queue=queue.id))
                    with ui.card().classes('w-60 cursor-pointer').on(
                            'click', lambda k=reg.key, q=queue.id: ui.navigate.to(f'/r/{k}?queue={q}')).mark(
                            f'queue-{reg.key}-{queue.id}'):
                        ui.label(reg.title(lang)).classes('text-xs text-grey-7')
                        ui.label(queue.title(lang)).classes('text-subtitle1')
                        color = 'text-orange-9' if count and queue.overdue else 'text-blue-9'
                        ui.label(f'{count:,}').classes(f'text-h4 {color}').mark('queue-count')
            ui.label(t('ui.my_registers', lang)).classes('text-subtitle1 text-grey-8 q-mt-md')
            with ui.row().classes('gap-3 flex-wrap'):
                for reg in access.registers_for(rt().catalog, actor):
                    count = await records.count_rows(actor, reg.key, RowQuery())
                    with ui.card().classes('w-60 cursor-pointer').on(
                            'click', lambda k=reg.key: ui.navigate.to(f'/r/{k}')).mark(f'register-{reg.key}'):
                        with ui.row().classes('items-center gap-2'):
                            ui.icon(reg.icon, size='md').classes('text-blue-8')
                            ui.label(reg.title(lang)).classes('text-subtitle1')
                        ui.label(t('ui.rows', lang).format(n=f'{count:,}')).classes('text-grey-7').mark(
                            'register-count')
