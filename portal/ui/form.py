"""The record dialog: every visible field (long text too), the row checklist and workflow actions,
validated by the same service as the grid."""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from nicegui import ui

from .. import access, grid, records, users
from ..access import Actor
from ..errors import Conflict, PermissionDenied, PortalError, ValidationFailed
from ..runtime import rt
from ..schema import RegisterSchema, Rights
from .texts import t

WIDGETS: dict[str, Callable[..., Any]] = {}


def widget(kind: str):
    def register(fn):
        WIDGETS[kind] = fn
        return fn
    return register


@widget('text')
def _text(spec, value, options, enabled):
    return ui.input(value='' if value is None else str(value))


@widget('number')
def _number(spec, value, options, enabled):
    return ui.input(value='' if value is None else str(value)).props('inputmode=decimal')


@widget('textarea')
def _textarea(spec, value, options, enabled):
    return ui.textarea(value=value or '').props('autogrow')


@widget('date')
def _date(spec, value, options, enabled):
    return ui.input(value=value or '').props('type=date stack-label')


@widget('datetime')
def _datetime(spec, value, options, enabled):
    return ui.input(value=(value or '').replace(' ', 'T')).props('type=datetime-local stack-label')


@widget('time')
def _time(spec, value, options, enabled):
    return ui.input(value=value or '').props('type=time stack-label')


@widget('select')
def _select(spec, value, options, enabled):
    options = options if options is not None else []
    if value is not None and value not in options:
        options = {**options, value: value} if isinstance(options, dict) else [value, *options]
    return ui.select(options, value=value, clearable=not spec.required)


@widget('multiselect')
def _multi(spec, value, options, enabled):
    return ui.select(options or [], value=value or [], multiple=True, clearable=True).props('use-chips')


@widget('checkbox')
def _checkbox(spec, value, options, enabled):
    return ui.checkbox(value=bool(value))


async def open_record(actor: Actor, register: RegisterSchema, granted: Rights, row: dict[str, Any] | None,
                      on_saved: Callable[[dict[str, Any]], Awaitable[None]], *, duplicate: bool = False) -> None:
    """Open the dialog for `row` (None = new row; duplicate = new row prefilled from `row`)."""
    lang = actor.lang
    creating = row is None or duplicate
    ctx = grid.field_context(rt().catalog, await users.directory(), lang)
    current = dict(row or {})
    inputs: dict[str, Any] = {}
    errors: dict[str, ui.label] = {}
    action = 'create' if creating else 'edit'
    may_write = action in granted.actions and not actor.preview
    title = t('ui.new_row', lang) if creating else t('ui.row', lang, id=current['id'])
    if row is None:     # a new row shows what it will get: the fields' defaults (today, me, …), its first state
        values_ctx = await records.value_context(actor)
        current = {f.name: f.kind.default(f, values_ctx) for f in register.fields}
        if register.workflow is not None:
            current[register.workflow.field] = register.workflow.initial
    with ui.dialog() as dialog, ui.card().classes('w-[760px] max-w-full'):
        ui.label(f'{register.title(lang)} · {title}').classes('text-h6')
        with ui.grid(columns=2).classes('w-full gap-x-4 gap-y-1'):
            for spec in access.visible_fields(register, granted):
                if creating and spec.computed:
                    continue
                if duplicate and (spec.unique or spec.kind.holds_state):
                    value = None
                else:
                    value = current.get(spec.name)
                json_value = spec.kind.to_json(value, spec) if value is not None else None
                enabled = may_write and access.writable(spec, granted) and not (
                    spec.kind.holds_state and not creating)
                options = spec.kind.input_options(spec, ctx)
                if spec.kind.holds_state and creating and register.workflow:
                    options = list(register.workflow.create_states)
                with ui.column().classes('gap-0 w-full' + (' col-span-2' if spec.kind.input_kind == 'textarea'
                                                           else '')):
                    element = WIDGETS.get(spec.kind.input_kind, _text)(spec, json_value, options, enabled)
                    element.props(f'label="{spec.title(lang)}{" *" if spec.required else ""}" dense outlined')
                    element.classes('w-full').mark(f'field-{spec.name}')
                    if spec.help:
                        element.props(f'hint="{spec.help_en if lang == "en" and spec.help_en else spec.help}"')
                    if not enabled:
                        element.disable()
                    inputs[spec.name] = (spec, element, json_value, enabled)
                    errors[spec.name] = ui.label('').classes('text-red-8 text-xs').mark(f'error-{spec.name}')
        general = ui.label('').classes('text-red-8').mark('form-error')
        if not creating:
            _checklist(actor, register, current, dialog, on_saved)
            _moves(actor, register, current, dialog, on_saved)

        async def save() -> None:
            for label in errors.values():
                label.text = ''
            general.text = ''
            values = {}
            for name, (spec, element, original, enabled) in inputs.items():
                if not enabled:
                    continue
                value = element.value
                if value in ('', []):
                    value = None
                if creating:
                    if value is not None:
                        values[name] = value
                elif value != original:
                    values[name] = value
            try:
                if creating:
                    saved = await records.create_row(actor, register.key, values, source='form')
                elif values:
                    saved = await records.update_row(actor, register.key, current['id'], values,
                                                     version=current.get('version'), source='form')
                else:
                    dialog.close()
                    return
            except ValidationFailed as exc:
                for problem in exc.problems:
                    target = errors.get(problem.field)
                    if target is not None:
                        target.text = problem.message(lang)
                    else:
                        general.text = problem.message(lang)
                return
            except Conflict as exc:
                general.text = exc.message(lang)
                return
            except (PermissionDenied, PortalError) as exc:
                general.text = exc.message(lang)
                return
            ui.notify(t('ui.saved', lang), type='positive')
            dialog.close()
            await on_saved(saved)

        with ui.row().classes('w-full justify-end'):
            ui.button(t('ui.cancel', lang), on_click=dialog.close).props('flat')
            if may_write:
                ui.button(t('ui.save', lang), on_click=save).mark('form-save')
    dialog.open()


def _checklist(actor: Actor, register: RegisterSchema, row: dict[str, Any], dialog, on_saved) -> None:
    if not register.row_checklist:
        return
    lang = actor.lang
    clauses = rt().catalog.clauses
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
            await on_saved(saved)

        with ui.row().classes('items-center gap-1 no-wrap'):
            box = ui.checkbox(item.title(lang), value=bool(ticked), on_change=toggle).mark(f'check-{item.id}')
            clause = clauses.get(item.clause)
            ui.label(rt().catalog.clause_label(item.clause, lang)).classes('portal-clause text-xs').tooltip(
                clause.text if clause else '')
            if item.required_for:
                ui.label('→ ' + '、'.join(item.required_for)).classes('text-xs text-grey-7')
            if ticked:
                ui.label(f'{ticked.get("by")} {ticked.get("at")}').classes('text-xs text-grey-6')
            if actor.preview:
                box.disable()


def _moves(actor: Actor, register: RegisterSchema, row: dict[str, Any], dialog, on_saved) -> None:
    wf = register.workflow
    targets = row.get('_moves') or []
    if wf is None or not targets or actor.preview:
        return
    lang = actor.lang
    with ui.row().classes('items-center gap-2 q-mt-sm'):
        ui.label(t('ui.workflow', lang) + f':{row.get(wf.field) or "—"} →').classes('text-subtitle2')
        for target in targets:
            tr = wf.find(row.get(wf.field), target)

            async def move(target=target) -> None:
                try:
                    saved = await records.update_row(actor, register.key, row['id'], {wf.field: target},
                                                     version=row.get('version'), source='workflow')
                except PortalError as exc:
                    ui.notify(exc.message(lang), type='negative', multi_line=True, timeout=8000)
                    return
                dialog.close()
                await on_saved(saved)
            ui.button(tr.title(lang) if tr else target, on_click=move).props('outline dense').mark(f'move-{target}')
