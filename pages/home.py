"""Each user's home page: 签到 / 签退 (电子签到: the server's time, stamped), their registers with row counts and
their work queues with counts and links; for managers, absences of half a day or more with a one-click draft
penalty citing the clause. The counts follow changes live (anyone's, in any process: the change events)."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from nicegui import background_tasks, ui

from portal import records
from portal.errors import PortalError
from portal.i18n import add_messages
from portal.people import access, users
from portal.runtime import rt
from portal.schema import Actor
from portal.store.query import RowQuery
from portal.ui.frame import frame, page_actor
from portal.ui.texts import t

ATTENDANCE, PENALTIES = 'attendance', 'penalties'
PUNCHED = ('sign_in', 'sign_out')          # stamped by the server, read-only to people
SERIOUS_CLAUSE = 'attendance.absence'      # 旷工半天以上视为严重违反公司制度

add_messages({
    'punch.title': ('今日考勤(电子签到)', 'Today\'s attendance (electronic punch)'),
    'punch.sign_in': ('签到', 'Sign in'), 'punch.sign_out': ('签退', 'Sign out'),
    'punch.none': ('今天还没有打卡', 'No punch today yet'),
    'punch.shown': ('签到 {sign_in} · 签退 {sign_out}', 'In {sign_in} · out {sign_out}'),
    'punch.done': ('已{what}:{time}', '{what_en}: {time}'),
    'punch.already': ('今天已签到({time});签到时间不能再改,如有错误请申请补卡',
                      'Already signed in today ({time}); a wrong punch is corrected by a 补卡 request'),
    'punch.hint': ('打卡时间以服务器时间为准,本人不能修改;漏打或打错请在考勤表中申请补卡,经理批准后生效',
                   ('The server\'s time is stamped and cannot be edited; a missed or wrong punch is corrected by a '
                    '补卡 request in the attendance register, approved by the manager')),
    'serious.title': ('旷工半天以上(严重违反公司制度)', 'Absence of half a day or more (serious breach)'),
    'serious.draft': ('起草处罚', 'Draft a penalty'),
    'serious.row': ('{date} · {name} · 旷工 {days} 天', '{date} · {name} · {days} day(s) of absence'),
    'serious.drafted': ('已起草处罚(草稿),引用 {clause}', 'Penalty drafted, citing {clause}'),
    'serious.facts': ('{date} 旷工 {days} 天(迟到 {late} 分钟、早退 {early} 分钟)。依据:{text}',
                      '{date}: {days} day(s) of absence (late {late} min, early {early} min). {text}'),
})


def queues_for(actor):
    """(register, queue) pairs meant for the actor's roles (admins see every queue)."""
    catalog = rt().catalog
    admin = access.is_admin(catalog, actor)
    for register in access.registers_for(catalog, actor):
        for queue in register.queues:
            if admin or not queue.roles or set(queue.roles) & set(actor.roles):
                yield register, queue


async def today_row(actor: Actor) -> dict[str, Any] | None:
    rows = await records.list_rows(actor, ATTENDANCE, RowQuery(where={'employee': '$me', 'date': '$today'},
                                                                limit=1))
    return rows[0] if rows else None


async def punch(actor: Actor, which: str) -> dict[str, Any]:
    """签到 / 签退: the server's time (to the minute) into the actor's row of today, created if missing. Punch times
    are read-only to people; only this stamp writes them (audited with source 'punch'). A second 签到 is refused
    (a correction is a 补卡 request); a later 签退 replaces an earlier one (the last one counts)."""
    if which not in PUNCHED:
        raise PortalError('error.unknown_field', field=which)
    ctx = await records.value_context(actor)
    stamp = ctx.now.strftime('%H:%M')
    granted = access.rights(rt().catalog, actor, ATTENDANCE)
    stamped = replace(granted, readonly=granted.readonly - set(PUNCHED))
    row = await today_row(actor)
    if row is None:
        async with records.session(actor, ATTENDANCE, 'create', source='punch', kind='create', granted=stamped) as w:
            written = await w.create({which: stamp})
    else:
        if which == 'sign_in' and row.get('sign_in'):
            raise PortalError('punch.already', time=row['sign_in'].strftime('%H:%M'))
        async with records.session(actor, ATTENDANCE, 'edit', source='punch', kind='edit', granted=stamped) as w:
            written = await w.update(row['id'], {which: stamp}, row['version'])
    return written


async def serious_absences(actor: Actor) -> list[dict[str, Any]]:
    register = records.register_of(ATTENDANCE)
    if not any(q.id == 'serious_absence' for q in register.queues):
        return []
    return await records.list_rows(actor, ATTENDANCE, RowQuery(queue='serious_absence', limit=20))


async def draft_penalty(actor: Actor, row: dict[str, Any]) -> dict[str, Any]:
    """A draft penalty (草稿) for an absence of half a day or more, citing 旷工半天以上视为严重违反公司制度; the
    manager completes it (the penalty itself) and submits it through the penalty workflow."""
    clause = rt().catalog.clauses[SERIOUS_CLAUSE]
    facts = t('serious.facts', 'zh', date=row['date'].isoformat(), days=row['absence_days'],
              late=row.get('late_minutes') or 0, early=row.get('early_minutes') or 0, text=clause.text)
    return await records.create_row(actor, PENALTIES, {
        'date': row['date'].isoformat(), 'employee': row['employee'], 'category': '考勤违纪',
        'clause': SERIOUS_CLAUSE, 'description': facts, 'severity': '严重', 'penalty_type': '警告'})


def _punch_card(actor: Actor, row: dict[str, Any] | None, lang: str) -> None:
    with ui.card().classes('w-full').mark('punch-card'):
        ui.label(t('punch.title', lang)).classes('text-subtitle1')
        shown = ui.label().classes('text-h6').mark('punch-times')

        def show(current: dict[str, Any] | None) -> None:
            if not current or not (current.get('sign_in') or current.get('sign_out')):
                shown.set_text(t('punch.none', lang))
                return
            fmt = {k: current[k].strftime('%H:%M') if current.get(k) else '—' for k in PUNCHED}
            shown.set_text(t('punch.shown', lang, **fmt))
        show(row)

        async def press(which: str) -> None:
            try:
                written = await punch(actor, which)
            except PortalError as exc:
                ui.notify(exc.message(lang), type='negative')
                return
            show(await today_row(actor) or written)
            what = t(f'punch.{which}', 'zh')
            ui.notify(t('punch.done', lang, what=what, what_en=t(f'punch.{which}', 'en'),
                        time=written.get(which).strftime('%H:%M') if written.get(which) else ''), type='positive')
        with ui.row().classes('gap-2'):
            ui.button(t('punch.sign_in', lang), icon='login', on_click=lambda: press('sign_in')).mark('punch-in')
            ui.button(t('punch.sign_out', lang), icon='logout', on_click=lambda: press('sign_out')).props(
                'outline').mark('punch-out')
        ui.label(t('punch.hint', lang)).classes('text-xs text-grey-7')


async def _serious_card(actor: Actor, lang: str) -> None:
    rows = await serious_absences(actor)
    if not rows:
        return
    names = rt().catalog
    people = await users.directory()
    with ui.card().classes('w-full').mark('serious-absences'):
        ui.label(t('serious.title', lang)).classes('text-subtitle1 text-red-9')
        ui.label(names.clause_label(SERIOUS_CLAUSE, lang)).classes('text-xs text-grey-7')
        for row in rows:
            with ui.row().classes('items-center gap-3').mark(f'serious-{row["id"]}'):
                ui.label(t('serious.row', lang, date=row['date'], name=people.get(row['employee'], row['employee']),
                           days=row['absence_days'])).classes('text-body2')

                async def draft(r=row) -> None:
                    try:
                        await draft_penalty(actor, r)
                    except PortalError as exc:
                        ui.notify(exc.message(lang), type='negative')
                        return
                    ui.notify(t('serious.drafted', lang, clause=names.clause_label(SERIOUS_CLAUSE, lang)),
                              type='positive')
                ui.button(t('serious.draft', lang), icon='gavel', on_click=draft).props('dense flat').mark(
                    'serious-draft', f'serious-draft-{row["id"]}')


def register() -> None:
    @ui.page('/')
    async def home() -> None:
        actor = await page_actor('/')
        if actor is None:
            return
        lang = actor.lang
        catalog = rt().catalog
        with frame(actor, t('ui.home', lang)):
            ui.label(t('ui.welcome', lang, name=actor.name)).classes('text-h5')
            if catalog.register(ATTENDANCE) and 'create' in access.rights(catalog, actor, ATTENDANCE).actions:
                _punch_card(actor, await today_row(actor), lang)
            if catalog.register(PENALTIES) and 'create' in access.rights(catalog, actor, PENALTIES).actions:
                await _serious_card(actor, lang)
            ui.label(t('ui.queues', lang)).classes('text-subtitle1 text-grey-8')
            counts: dict[str, list] = {}        # register -> [(query, label, overdue queue?, text)]
            with ui.row().classes('gap-3 flex-wrap'):
                for reg, queue in queues_for(actor):
                    query = RowQuery(queue=queue.id)
                    count = await records.count_rows(actor, reg.key, query)
                    with ui.card().classes('w-60 cursor-pointer').on(
                            'click', lambda k=reg.key, q=queue.id: ui.navigate.to(f'/r/{k}?queue={q}')).mark(
                            f'queue-{reg.key}-{queue.id}'):
                        ui.label(reg.title(lang)).classes('text-xs text-grey-7')
                        ui.label(queue.title(lang)).classes('text-subtitle1')
                        color = 'text-orange-9' if count and queue.overdue else 'text-blue-9'
                        label = ui.label(f'{count:,}').classes(f'text-h4 {color}').mark('queue-count')
                        counts.setdefault(reg.key, []).append((query, label, queue.overdue, None))
            ui.label(t('ui.my_registers', lang)).classes('text-subtitle1 text-grey-8 q-mt-md')
            with ui.row().classes('gap-3 flex-wrap'):
                for reg in access.registers_for(rt().catalog, actor):
                    query = RowQuery()
                    count = await records.count_rows(actor, reg.key, query)
                    with ui.card().classes('w-60 cursor-pointer').on(
                            'click', lambda k=reg.key: ui.navigate.to(f'/r/{k}')).mark(f'register-{reg.key}'):
                        with ui.row().classes('items-center gap-2'):
                            ui.icon(reg.icon, size='md').classes('text-blue-8')
                            ui.label(reg.title(lang)).classes('text-subtitle1')
                        label = ui.label(t('ui.rows', lang).format(n=f'{count:,}')).classes('text-grey-7').mark(
                            'register-count')
                        counts.setdefault(reg.key, []).append((query, label, False, t('ui.rows', lang)))
            _follow(actor, counts)


def _follow(actor, counts: dict[str, list]) -> None:
    """Recount a register's cards when its rows change (at most twice a second per register)."""
    client = ui.context.client
    due: set[str] = set()

    async def recount(key: str) -> None:
        await asyncio.sleep(0.5)
        due.discard(key)
        if client.id not in client.instances:
            return
        for query, label, overdue, text in counts[key]:
            try:
                n = await records.count_rows(actor, key, query)
            except PortalError:          # a right withdrawn meanwhile: the card keeps its last count
                continue
            label.text = text.format(n=f'{n:,}') if text else f'{n:,}'
            if text is None:
                label.classes(replace=f'text-h4 {"text-orange-9" if n and overdue else "text-blue-9"}')

    def changed(event) -> None:
        if event.register in counts and event.register not in due:
            due.add(event.register)
            background_tasks.create(recount(event.register), name='home-counts')
    for key in counts:
        client.on_delete(rt().bus.subscribe(key, changed))
