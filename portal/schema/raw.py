"""Pydantic models of the raw TOML files: the structural pass of the loader (types, unknown keys). The docstring
under each key is its documentation: `python -m portal docs` writes docs/schema-reference.md from these models."""
from __future__ import annotations

from datetime import date, time
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

Scalar = Union[StrictBool, StrictInt, float, StrictStr, date, time]


class _In(BaseModel):
    model_config = ConfigDict(extra='forbid', populate_by_name=True, use_attribute_docstrings=True)


class FieldIn(_In):
    """One `[[fields]]` entry: a column of the table, a column of the grid, an input of the form."""

    name: StrictStr
    """Column name: lowercase ASCII snake_case, at most 40 characters, not an SQL keyword or a system column."""
    type: StrictStr
    """The field type (see Field types below)."""
    label: StrictStr
    """Chinese label (grid header, form, export header)."""
    label_en: StrictStr = ''
    """English label (falls back to `label`)."""
    required: StrictBool = False
    """A row cannot be saved without a value."""
    unique: StrictBool = False
    """No two live rows share a value (enforced by a unique index)."""
    default: Scalar | None = None
    """Value of a new row: a literal of the type, or a keyword the type offers (`today`, `now`, `current_user`)."""
    min: Scalar | None = None
    """Smallest value (numbers, dates, times)."""
    max: Scalar | None = None
    """Largest value (numbers, dates, times)."""
    max_length: StrictInt | None = None
    """Longest text (text types; default 200, longtext 5000)."""
    pattern: StrictStr | None = None
    """Regular expression the whole text must match (text); say it in words in `help`."""
    choices: list[StrictStr] | None = None
    """The values of a choice or multichoice field."""
    help: StrictStr = ''
    """Help text (form, template note, and the message when a pattern does not match)."""
    help_en: StrictStr = ''
    """English help text."""
    index: StrictBool = False
    """Index the column (filters and sorts of large registers)."""
    readonly: StrictBool = False
    """Nobody types into it (filled by workflow moves or rules)."""
    hidden: StrictBool = False
    """Not shown in the grid by default (still in the form and exports on request)."""
    width: StrictInt | None = None
    """Grid column width in pixels (40–1000)."""
    renamed_from: StrictStr | None = None
    """The field's old name: migration renames the column and keeps the data."""
    ref: StrictStr | None = None
    """The register a `ref` field points to."""
    decimals: StrictInt | None = None
    """Places after the point of a decimal field (0–6, default 2)."""
    search: StrictBool | None = None
    """Part of the quick search (default: text-like types are)."""
    images_only: StrictBool = False
    """An `attachment` field takes raster images only (PNG, JPEG, GIF, WebP — checked by decoding them)."""
    max_files: StrictInt | None = None
    """Most files an `attachment` cell holds (default 10)."""
    max_mb: StrictInt | StrictFloat | None = None
    """Largest file an `attachment` field takes, in megabytes (default 10)."""
    accept: list[StrictStr] | None = None
    """File extensions an `attachment` field takes, e.g. ["jpg", "png", "pdf"] (default: every safe kind)."""
    computed: StrictBool = False
    """Filled by a rule (e.g. `workday_policy`); never typed, recomputed on every write, skipped by imports."""


class ChecklistIn(_In):
    """One `[[checklist]]` item: a duty of the regulations, ticked per row (or shown once per page)."""

    id: StrictStr
    """Item id (snake_case): the API's and the import's name for it."""
    text: StrictStr
    """What is checked, in the regulation's words."""
    text_en: StrictStr = ''
    """English text."""
    clause: StrictStr
    """The clause it comes from (schemas/regulations.toml)."""
    required_for: StrictStr | list[StrictStr] = Field(default_factory=list)
    """Workflow state(s) a row may only enter with this item ticked."""
    row: StrictBool = True
    """`true`: ticked per row (a column in exports and imports); `false`: a reminder shown once on the page."""


class TransitionIn(_In):
    """One `[[workflow.transitions]]` entry: a declared move between states."""

    from_: StrictStr | list[StrictStr] = Field(alias='from')
    """State(s) the move starts from; `"*"` = any state."""
    to: StrictStr
    """The state it leads to."""
    label: StrictStr = ''
    """Button/menu text of the move."""
    label_en: StrictStr = ''
    """English text of the move."""
    roles: list[StrictStr] = Field(default_factory=list)
    """Roles that may make it (empty: anyone with the action)."""
    action: Literal['edit', 'approve'] = 'edit'
    """The right it needs: `edit`, or `approve` (an approval)."""
    clause: StrictStr | None = None
    """The clause that asks for the move."""
    set: dict[str, Any] = Field(default_factory=dict)
    """Fields the move fills when empty: `$me` (who moves), `$now`, `$today`, or a literal."""
    not_by: StrictStr | None = None
    """A user field: the person it names may not make this move (nobody approves their own penalty)."""


class WorkflowIn(_In):
    """`[workflow]`: the states a row goes through and the moves between them."""

    field: StrictStr
    """The `status` field holding the state."""
    states: list[StrictStr]
    """All states, in their usual order."""
    initial: StrictStr
    """The state of a new row."""
    create_states: list[StrictStr] = Field(default_factory=list)
    """States a new row may be created in (default: the initial one); an import may bring history in any state its
    importer could reach by the declared moves, with that state's checklist ticked."""
    locked: list[StrictStr] = Field(default_factory=list)
    """Settled states: fields and checklist fixed, no delete; only a declared move takes a row out."""
    locked_except: list[StrictStr] = Field(default_factory=list)
    """Fields still writable in a locked state (an employee's acknowledgement)."""
    clause: StrictStr | None = None
    """The clause that asks for the workflow."""
    transitions: list[TransitionIn] = Field(default_factory=list)
    """The declared moves."""


class RuleIn(BaseModel):
    """A rule: kind and clause are common; the kind's own parameters are checked by the rule kind."""

    model_config = ConfigDict(extra='allow', use_attribute_docstrings=True)
    kind: StrictStr
    """The rule kind (see Rule kinds below)."""
    clause: StrictStr
    """The clause the rule enforces (cited in its message)."""
    id: StrictStr = ''
    """Rule id (deadlines need one: queues and dashboards name it)."""
    message: StrictStr = ''
    """A message of your own instead of the kind's."""
    message_en: StrictStr = ''
    """English message of your own."""


class QueueIn(_In):
    """One `[[queues]]` entry: a saved filter offered above the grid (a to-do list)."""

    id: StrictStr
    """Queue id (the URL's `?queue=`)."""
    label: StrictStr
    """Its name above the grid."""
    label_en: StrictStr = ''
    """English name."""
    filter: dict[str, Any] = Field(default_factory=dict)
    """A condition (see The condition language)."""
    overdue: StrictStr | None = None
    """The id of a deadline rule: only rows past it."""
    roles: list[StrictStr] = Field(default_factory=list)
    """Roles that see the queue (empty: everyone who sees the register)."""


class RegisterIn(_In):
    """A register file `schemas/registers/<key>.toml`: the file name is the key, the table and the URL `/r/<key>`."""

    label: StrictStr
    """The register's name (menus, titles, messages); two registers may not share one."""
    label_en: StrictStr = ''
    """English name."""
    icon: StrictStr = 'table_view'
    """A Material Icons name as NiceGUI ships them (e.g. `local_shipping`; `o_`, `r_`, `s_` prefixes for the
    outlined, round and sharp styles)."""
    regulation: list[StrictStr] = Field(default_factory=list)
    """Clauses the register serves (schemas/regulations.toml)."""
    key: list[StrictStr] = Field(default_factory=list)
    """The natural key: fields that identify a row (imports match rows by it; one live row per key)."""
    title: StrictStr | None = None
    """The field that names a row (links, history); default: the first field."""
    order: StrictInt = 100
    """Position in the menu (smaller first)."""
    sort: list[StrictStr] = Field(default_factory=list)
    """Default sort of the grid: field names, `-` for descending."""
    indexes: list[list[StrictStr]] = Field(default_factory=list)
    """Composite indexes of 2–4 fields (common filter + sort pairs)."""
    retired: list[StrictStr] = Field(default_factory=list)
    """Removed fields whose kept columns are acknowledged: the data stays, the removal notice (M101) stops."""
    fields: list[FieldIn]
    """The fields, in grid order."""
    checklist: list[ChecklistIn] = Field(default_factory=list)
    """Checklist items."""
    workflow: WorkflowIn | None = None
    """The workflow (optional)."""
    rules: list[RuleIn] = Field(default_factory=list)
    """Rules (see Rule kinds)."""
    queues: list[QueueIn] = Field(default_factory=list)
    """Queues."""
    month_field: StrictStr | None = None
    """The date field that puts a row in a month: rows of a closed month (月结) are locked."""


class ClauseIn(_In):
    id: StrictStr
    heading: StrictStr = ''
    text: StrictStr
    summary_en: StrictStr = ''
    source: StrictStr = ''
    shown_only: StrictStr = ''
    """Why no register, rule, checklist item, workflow move or policy carries this clause (e.g. 行为规范,不是记录):
    the coverage map (python -m portal coverage) counts it as shown with that reason instead of missing."""
    shown_only_en: StrictStr = ''


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
    """`[roles.<role>.registers.<key>]` (or `."*"` for every register, including new ones)."""

    actions: list[Literal['view', 'create', 'edit', 'delete', 'export', 'import', 'approve']] = Field(
        default_factory=list)
    """What the role may do in the register."""
    hidden: list[StrictStr] = Field(default_factory=list)
    """Columns that never leave the server for this role."""
    readonly: list[StrictStr] = Field(default_factory=list)
    """Columns the role cannot write."""
    scope: Literal['all'] | dict[str, Any] = 'all'
    """Rows it sees: `"all"`, `{ own = "<user field>" }`, `{ where = { <condition> } }`, or both (AND)."""


class RoleIn(_In):
    """`[roles.<role>]`: a role people hold."""

    label: StrictStr
    """The role's name."""
    label_en: StrictStr = ''
    """English name."""
    admin: StrictBool = False
    """Administrators may do everything everywhere (users, schemas, every register)."""
    dashboard: StrictStr | None = None
    """The dashboard the role's home page shows (schemas/dashboards.toml)."""
    registers: dict[str, RightsIn] = Field(default_factory=dict)
    """Rights per register key, or `"*"`."""


class RolesIn(_In):
    roles: dict[str, RoleIn]
