"""The record dialog: every visible field (long text too), the row checklist and workflow actions,
validated by the same service as the grid."""
from __future__ import annotations

import json
from typing import Any, Awaitable, Callable
from urllib.parse import quote

from nicegui import ui

from .. import records
from ..errors import Conflict, PermissionDenied, PortalError, ValidationFailed
from ..people import access, users
from ..runtime import rt
from ..schema import Actor, RegisterSchema, Rights
from . import columns as grid
from . import files_ui
from .texts import t

INPUTS: dict[str, Callable[..., Any]] = {}


def input_kind(kind: str):
    def register(fn):
        INPUTS[kind] = fn
        return fn
    return register


@input_kind('text')
def _text(spec, value, options, enabled):
    return ui.input(value='' if value is None else str(value))


@input_kind('number')
def _number(spec, value, options, enabled):
    return ui.input(value='' if value is None else str(value)).props('inputmode=decimal')


@input_kind('textarea')
def _textarea(spec, value, options, enabled):
    return ui.textarea(value=value or '').props('autogrow')


@input_kind('date')
def _date(spec, value, options, enabled):
    return ui.input(value=value or '').props('type=date stack-label')


@input_kind('datetime')
def _datetime(spec, value, options, enabled):
    return ui.input(value=(value or '').replace(' ', 'T')).props('type=datetime-local stack-label')


@input_kind('time')
def _time(spec, value, options, enabled):
    return ui.input(value=value or '').props('type=time stack-label')


@input_kind('select')
def _select(spec, value, options, enabled):
    options = options if options is not None else []
    if value is not None and value not in options:
        options = {**options, value: value} if isinstance(options, dict) else [value, *options]
    return ui.select(options, value=value, clearable=not spec.required)


@input_kind('multiselect')
def _multi(spec, value, options, enabled):
    return ui.select(options or [], value=value or [], multiple=True, clearable=True).props('use-chips')


@input_kind('checkbox')
def _checkbox(spec, value, options, enabled):
    return ui.checkbox(value=bool(value))


async def open_record(actor: Actor, register: RegisterSchema, granted: Rights, row: dict[str, Any] | None,
                      on_saved: Callable[[dict[str, Any]], Awaitable[None]], *, duplicate: bool = False) -> None:
    """Open the dialog for `row` (None = new row; duplicate = new row prefilled from `row`)."""
    lang = actor.lang
    creating = row is None or duplicate
    current = dict(row or {})
    may_write = ('create' if creating else 'edit') in granted.actions and not actor.preview
    title = t('ui.new_row', lang) if creating else t('ui.row', lang, id=current['id'])
    if row is None:     # a new row shows what it will get: the fields' defaults (today, me, …), its first state
        values_ctx = await records.value_context(actor)
        current = {f.name: f.kind.default(f, values_ctx) for f in register.fields}
        if register.workflow is not None:
            current[register.workflow.field] = register.workflow.initial
    ctx = grid.field_context(rt().catalog, await users.directory(), lang)
    with ui.dialog() as dialog, ui.card().classes('w-[760px] max-w-full'):
        ui.label(f'{register.title(lang)} · {title}').classes('text-h6')
        with ui.grid(columns=2).classes('w-full gap-x-4 gap-y-1'):
            inputs = _inputs(actor, register, granted, current, ctx, creating=creating, duplicate=duplicate,
                             may_write=may_write, on_saved=on_saved)
        general = ui.label('').classes('text-red-8').mark('form-error')
        if not creating:
            checklist(actor, register, current, on_saved, ctx['users'])
            _moves(actor, register, current, dialog, on_saved, inputs, general)
            _links(actor, await records.linked_rows(actor, register.key, current['id']))

        async def save() -> None:
            saved = await _save(actor, register, current, inputs, general, creating=creating)
            if saved is None:
                return
            if saved:
                ui.notify(t('ui.saved', lang), type='positive')
            dialog.close()
            if saved:
                await on_saved(saved)

        with ui.row().classes('w-full justify-end'):
            ui.button(t('ui.cancel', lang), on_click=dialog.close).props('flat')
            if may_write:
                ui.button(t('ui.save', lang), on_click=save).mark('form-save')
    dialog.open()


def _inputs(actor: Actor, register: RegisterSchema, granted: Rights, current: dict[str, Any], ctx: dict, *,
            creating: bool, duplicate: bool, may_write: bool, on_saved=None) -> dict[str, tuple]:
    """One input per visible field: name -> (spec, element, value shown, enabled, its error label)."""
    lang = actor.lang
    inputs = {}
    for spec in access.visible_fields(register, granted):
        if creating and spec.computed:
            continue
        value = None if duplicate and (spec.unique or spec.kind.holds_state) else current.get(spec.name)
        json_value = spec.kind.to_json(value, spec) if value is not None else None
        enabled = may_write and access.writable(spec, granted) and not (spec.kind.holds_state and not creating)
        options = spec.kind.input_options(spec, ctx)
        if spec.kind.holds_state and creating and register.workflow:
            options = list(register.workflow.create_states)
        wide = ' col-span-2' if spec.kind.input_kind in ('textarea', 'files') else ''
        with ui.column().classes('gap-0 w-full' + wide):
            if spec.kind.holds_files:
                element = files_ui.FilesField(actor, register.key, {} if creating else current, spec, json_value,
                                              enabled, _uploaded(current, inputs, spec.name, on_saved))
            else:
                element = INPUTS.get(spec.kind.input_kind, _text)(spec, json_value, options, enabled)
            # schema text goes in as prop values (never parsed from a props string: a quote in a label
            # would end the value and start an attribute of its own)
            element.props['label'] = spec.title(lang) + (' *' if spec.required else '')
            element.props('dense outlined')
            element.classes('w-full').mark(f'field-{spec.name}')
            if spec.help:
                element.props['hint'] = spec.help_en if lang == 'en' and spec.help_en else spec.help
            if not enabled:
                element.disable()
            error = ui.label('').classes('text-red-8 text-xs').mark(f'error-{spec.name}')
            inputs[spec.name] = (spec, element, json_value, enabled, error)
    return inputs


def _uploaded(current: dict[str, Any], inputs: dict[str, tuple], name: str, on_saved):
    """After files were uploaded (saved at once): the dialog goes on from the row as now saved."""
    async def done(row: dict[str, Any]) -> None:
        current['version'] = row.get('version', current.get('version'))
        spec, element, _, enabled, error = inputs[name]
        inputs[name] = (spec, element, spec.kind.to_json(row.get(name), spec), enabled, error)
        if on_saved is not None:
            await on_saved(row)
    return done


async def _save(actor: Actor, register: RegisterSchema, current: dict[str, Any], inputs: dict[str, tuple],
                general, *, creating: bool) -> dict[str, Any] | None:
    """Create or update from the dialog's inputs; the saved row, {} when nothing changed, None on a refusal
    (shown at the field it concerns)."""
    lang = actor.lang
    for *_, error in inputs.values():
        error.text = ''
    general.text = ''
    values = _edited(inputs, creating=creating)
    try:
        if creating:
            return await records.create_row(actor, register.key, values, source='form')
        if not values:
            return {}
        return await records.update_row(actor, register.key, current['id'], values, version=current.get('version'),
                                        source='form')
    except (Conflict, PermissionDenied, PortalError) as exc:
        _refused(exc, inputs, general, lang)
    return None


def _edited(inputs: dict[str, tuple], *, creating: bool) -> dict[str, Any]:
    """The values of the dialog's inputs a save must write: every filled one of a new row, the changed ones of a
    row being edited."""
    values = {}
    for name, (spec, element, original, enabled, _) in inputs.items():
        value = None if element.value in ('', []) else element.value
        if enabled and ((creating and value is not None) or (not creating and value != original)):
            values[name] = value
    return values


def _refused(exc: PortalError, inputs: dict[str, tuple], general, lang: str) -> None:
    """Show a refusal at the field it concerns (or under the fields)."""
    if isinstance(exc, ValidationFailed):
        for problem in exc.problems:
            target = inputs.get(problem.field)
            if target is not None:
                target[4].text = problem.message(lang)
            else:
                general.text = problem.message(lang)
        return
    general.text = exc.message(lang)


def checklist(actor: Actor, register: RegisterSchema, row: dict[str, Any],
              on_saved: Callable[[dict[str, Any]], Awaitable[None]], names: dict[str, str], *,
              heading: bool = True) -> None:
    """The row's checklist: one box per item, each citing its clause; a tick is saved at once (with a toast) and
    stamped with the display name of who ticked it (`names`: login -> display name)."""
    if not register.row_checklist:
        return
    lang = actor.lang
    catalog = rt().catalog
    if heading:
        ui.label(t('ui.row_checklist', lang)).classes('text-subtitle2 q-mt-sm')
    for item in register.row_checklist:
        ticked = (row.get('checks') or {}).get(item.id)

        async def toggle(e, item=item) -> None:
            try:
                saved = await records.set_check(actor, register.key, row['id'], item.id, e.value,
                                                version=row.get('version'))
            except PortalError as exc:
                ui.notify(exc.message(lang), type='negative')
                return
            row.update(saved)
            ui.notify(t('ui.checked' if e.value else 'ui.unchecked', lang, item=item.title(lang)), type='positive')
            await on_saved(saved)

        with ui.row().classes('items-center gap-1 no-wrap'):
            box = ui.checkbox(item.title(lang), value=bool(ticked), on_change=toggle).mark(f'check-{item.id}')
            clause = catalog.clauses.get(item.clause)
            ui.label(catalog.clause_label(item.clause, lang)).classes('portal-clause text-xs').tooltip(
                clause.text if clause else '')
            if item.required_for:
                ui.label('→ ' + '、'.join(item.required_for)).classes('text-xs text-grey-7')
            if ticked:
                who = ticked.get('by')
                ui.label(f'{names.get(who, who)} {ticked.get("at")}').classes('text-xs text-grey-6').mark(
                    f'stamp-{item.id}')
            if actor.preview:
                box.disable()


def _moves(actor: Actor, register: RegisterSchema, row: dict[str, Any], dialog, on_saved, inputs: dict[str, tuple],
           general) -> None:
    """The workflow moves open to the actor. A move saves what was typed in the dialog with it, in one transaction
    (a required field just filled in counts); a refusal is shown at its field and the dialog stays open."""
    wf = register.workflow
    targets = row.get('_moves') or []
    if wf is None or not targets or actor.preview:
        return
    lang = actor.lang
    with ui.row().classes('items-center gap-2 q-mt-sm'):
        ui.label(t('ui.workflow', lang) + f':{row.get(wf.field) or "—"} →').classes('text-subtitle2')
        for target in targets:
            tr = wf.find(row.get(wf.field), target)
            action = tr.title(lang) if tr else target

            async def move(target=target, action=action) -> None:
                for *_, error in inputs.values():
                    error.text = ''
                general.text = ''
                changes = {**_edited(inputs, creating=False), wf.field: target}
                try:
                    saved = await records.update_row(actor, register.key, row['id'], changes,
                                                     version=row.get('version'), source='workflow')
                except PortalError as exc:
                    _refused(exc, inputs, general, lang)
                    ui.notify(exc.message(lang), type='negative', multi_line=True, timeout=8000)
                    return
                dialog.close()
                ui.notify(t('ui.moved', lang, id=row['id'], action=action, state=target), type='positive')
                await on_saved(saved)
            ui.button(action, on_click=move).props('outline dense').mark(f'move-{target}')


def _links(actor: Actor, links: list[dict[str, Any]]) -> None:
    """The rows of other registers that point at this one (a stock item → its receipts; a receipt → the
    replenishment it fulfilled): a count per link that opens them, and the first few by title."""
    shown = [link for link in links if link['count']]
    if not shown:
        return
    with ui.column().classes('gap-1 q-mt-sm').mark('form-links'):
        ui.label(t('ui.links', actor.lang)).classes('text-subtitle2')
        for link in shown:
            where = quote(json.dumps(link['where'], ensure_ascii=False))
            with ui.row().classes('items-center gap-2'):
                ui.link(f'{link["label"]} · {link["field_label"]}:{link["count"]:,}',
                        f'/r/{link["register"]}?where={where}').mark(f'link-{link["register"]}')
                titles = ', '.join(r['title'] for r in link['rows'][:5])
                ui.label(titles + (' …' if link['count'] > 5 else '')).classes('text-xs text-grey-7')
