"""Pydantic models of the raw TOML files: the structural pass of the loader (types, unknown keys)."""
from __future__ import annotations

from datetime import date, time
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

Scalar = Union[StrictBool, StrictInt, float, StrictStr, date, time]


class _In(BaseModel):
    model_config = ConfigDict(extra='forbid', populate_by_name=True)


class FieldIn(_In):
    name: StrictStr
    type: StrictStr
    label: StrictStr
    label_en: StrictStr = ''
    required: StrictBool = False
    unique: StrictBool = False
    default: Scalar | None = None
    min: Scalar | None = None
    max: Scalar | None = None
    max_length: StrictInt | None = None
    pattern: StrictStr | None = None
    choices: list[StrictStr] | None = None
    help: StrictStr = ''
    help_en: StrictStr = ''
    index: StrictBool = False
    readonly: StrictBool = False
    hidden: StrictBool = False
    width: StrictInt | None = None
    renamed_from: StrictStr | None = None
    ref: StrictStr | None = None
    decimals: StrictInt | None = None
    search: StrictBool | None = None
    computed: StrictBool = False


class ChecklistIn(_In):
    id: StrictStr
    text: StrictStr
    text_en: StrictStr = ''
    clause: StrictStr
    required_for: StrictStr | list[StrictStr] = Field(default_factory=list)
    row: StrictBool = True


class TransitionIn(_In):
    from_: StrictStr | list[StrictStr] = Field(alias='from')
    to: StrictStr
    label: StrictStr = ''
    label_en: StrictStr = ''
    roles: list[StrictStr] = Field(default_factory=list)
    action: Literal['edit', 'approve'] = 'edit'
    clause: StrictStr | None = None
    set: dict[str, Any] = Field(default_factory=dict)
    not_by: StrictStr | None = None   # a user field: the person it names may not make this move (own penalty)


class WorkflowIn(_In):
    field: StrictStr
    states: list[StrictStr]
    initial: StrictStr
    create_states: list[StrictStr] = Field(default_factory=list)
    locked: list[StrictStr] = Field(default_factory=list)   # settled states: no edits, no deletes, only moves out
    locked_except: list[StrictStr] = Field(default_factory=list)   # fields still written there (an acknowledgement)
    clause: StrictStr | None = None
    transitions: list[TransitionIn] = Field(default_factory=list)


class RuleIn(BaseModel):
    """A rule: kind and clause are common; the kind's own parameters are checked by the rule kind."""

    model_config = ConfigDict(extra='allow')
    kind: StrictStr
    clause: StrictStr
    id: StrictStr = ''
    message: StrictStr = ''
    message_en: StrictStr = ''


class QueueIn(_In):
    id: StrictStr
    label: StrictStr
    label_en: StrictStr = ''
    filter: dict[str, Any] = Field(default_factory=dict)
    overdue: StrictStr | None = None
    roles: list[StrictStr] = Field(default_factory=list)


class RegisterIn(_In):
    label: StrictStr
    label_en: StrictStr = ''
    icon: StrictStr = 'table_view'
    regulation: list[StrictStr] = Field(default_factory=list)
    key: list[StrictStr] = Field(default_factory=list)
    title: StrictStr | None = None
    order: StrictInt = 100
    sort: list[StrictStr] = Field(default_factory=list)
    indexes: list[list[StrictStr]] = Field(default_factory=list)
    fields: list[FieldIn]
    checklist: list[ChecklistIn] = Field(default_factory=list)
    workflow: WorkflowIn | None = None
    rules: list[RuleIn] = Field(default_factory=list)
    queues: list[QueueIn] = Field(default_factory=list)


class ClauseIn(_In):
    id: StrictStr
    heading: StrictStr = ''
    text: StrictStr
    summary_en: StrictStr = ''
    source: StrictStr = ''


class DocumentIn(_In):
    id: StrictStr
    title: StrictStr
    title_en: StrictStr = ''
    source: StrictStr = ''
    clauses: list[ClauseIn] = Field(default_factory=list)


class RegulationsIn(_In):
    documents: list[DocumentIn]


ACTIONS = ('view', 'create', 'edit', 'delete', 'export', 'import', 'approve')


class RightsIn(_In):
    actions: list[Literal['view', 'create', 'edit', 'delete', 'export', 'import', 'approve']] = Field(
        default_factory=list)
    hidden: list[StrictStr] = Field(default_factory=list)
    readonly: list[StrictStr] = Field(default_factory=list)
    scope: Literal['all'] | dict[str, Any] = 'all'


class RoleIn(_In):
    label: StrictStr
    label_en: StrictStr = ''
    admin: StrictBool = False
    dashboard: StrictStr | None = None
    registers: dict[str, RightsIn] = Field(default_factory=dict)


class RolesIn(_In):
    roles: dict[str, RoleIn]
