"""Frozen, validated schema objects (registers, fields, checklists, workflows, roles) with accessors."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..registry import field_types

SYSTEM_COLUMNS = ('id', 'version', 'created_by', 'created_at', 'updated_by', 'updated_at',
                  'deleted_at', 'deleted_by', 'delete_batch', 'checks')


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldSpec:
    name: str
    type: str
    label: str
    label_en: str = ''
    required: bool = False
    unique: bool = False
    default: Any = None
    min: Any = None
    max: Any = None
    max_length: int | None = None
    pattern: str | None = None
    choices: tuple[str, ...] = ()
    help: str = ''
    help_en: str = ''
    index: bool = False
    readonly: bool = False
    hidden: bool = False
    width: int | None = None
    renamed_from: str | None = None
    ref: str | None = None
    decimals: int | None = None
    search: bool | None = None
    computed: bool = False
    images_only: bool = False                # attachment: raster images only
    max_files: int | None = None             # attachment: files per cell (default 10)
    max_mb: float | None = None              # attachment: megabytes per file (default 10)
    accept: tuple[str, ...] = ()             # attachment: allowed extensions (empty = the type's safe list)
    declared: frozenset[str] = frozenset()   # options written in the file (checked against the type)
    kind: Any = field(init=False, repr=False, compare=False)   # the FieldType (the registry answers questions)

    def __post_init__(self) -> None:
        object.__setattr__(self, 'kind', field_types.get(self.type))

    def title(self, lang: str = 'zh') -> str:
        return (self.label_en or self.label) if lang == 'en' else self.label


@dataclass(frozen=True, slots=True, kw_only=True)
class ChecklistItem:
    id: str
    text: str
    text_en: str = ''
    clause: str
    required_for: tuple[str, ...] = ()
    row: bool = True   # ticked per row; False = page-level reminder only

    def title(self, lang: str = 'zh') -> str:
        return (self.text_en or self.text) if lang == 'en' else self.text


@dataclass(frozen=True, slots=True, kw_only=True)
class Transition:
    source: tuple[str, ...]   # states it may start from; ('*',) = any
    target: str
    label: str = ''
    label_en: str = ''
    roles: tuple[str, ...] = ()   # empty = anyone with the action
    action: str = 'edit'          # 'edit' or 'approve'
    clause: str | None = None
    sets: dict[str, Any] = field(default_factory=dict)   # fields filled (when empty) by the move: $me, $now…
    not_by: str | None = None     # a user field; the person it names may not make this move (approving oneself)

    def allows_from(self, state: str | None) -> bool:
        return '*' in self.source or state in self.source

    def title(self, lang: str = 'zh') -> str:
        if lang == 'en':
            return self.label_en or self.label or self.target
        return self.label or self.target


@dataclass(frozen=True, slots=True, kw_only=True)
class Workflow:
    field: str
    states: tuple[str, ...]
    initial: str
    create_states: tuple[str, ...] = ()
    locked: tuple[str, ...] = ()  # settled states (an effective penalty): fields fixed, no delete, only declared moves
    locked_except: tuple[str, ...] = ()   # fields that stay writable in a settled state (the employee's acknowledgement)
    transitions: tuple[Transition, ...] = ()
    clause: str | None = None

    def moves_from(self, state: str | None) -> list[Transition]:
        return [t for t in self.transitions if t.allows_from(state) and t.target != state]

    def find(self, state: str | None, target: str) -> Transition | None:
        return next((t for t in self.moves_from(state) if t.target == target), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleSpec:
    kind: str
    clause: str
    id: str = ''
    params: Any = None            # the kind's validated parameters
    when: dict[str, Any] | None = None
    message: str = ''
    message_en: str = ''


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueSpec:
    id: str
    label: str
    label_en: str = ''
    filter: dict[str, Any] = field(default_factory=dict)
    overdue: str | None = None   # id of a deadline rule: only overdue rows
    roles: tuple[str, ...] = ()

    def title(self, lang: str = 'zh') -> str:
        return (self.label_en or self.label) if lang == 'en' else self.label


@dataclass(frozen=True, kw_only=True)
class RegisterSchema:
    key: str
    file: str
    label: str
    label_en: str = ''
    icon: str = 'table_view'
    regulation: tuple[str, ...] = ()
    natural_key: tuple[str, ...] = ()
    title_field: str = ''
    fields: tuple[FieldSpec, ...] = ()
    checklist: tuple[ChecklistItem, ...] = ()
    workflow: Workflow | None = None
    rules: tuple[RuleSpec, ...] = ()
    queues: tuple[QueueSpec, ...] = ()
    order: int = 100
    default_sort: tuple[tuple[str, str], ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()   # composite indexes, e.g. (platform, ship_date)
    retired: tuple[str, ...] = ()   # removed fields: their columns keep the data, the removal notice is acknowledged
    month_field: str | None = None    # its date puts a row in a month; rows of a closed month (月结) are locked

    def title(self, lang: str = 'zh') -> str:
        return (self.label_en or self.label) if lang == 'en' else self.label

    @cached_property
    def by_name(self) -> dict[str, FieldSpec]:
        return {f.name: f for f in self.fields}

    def field(self, name: str) -> FieldSpec | None:
        return self.by_name.get(name)

    @property
    def row_checklist(self) -> tuple[ChecklistItem, ...]:
        return tuple(c for c in self.checklist if c.row)

    def rule(self, rule_id: str) -> RuleSpec | None:
        return next((r for r in self.rules if r.id == rule_id), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Clause:
    id: str
    document: str
    heading: str = ''
    text: str
    summary_en: str = ''
    source: str = ''
    shown_only: str = ''          # why no record carries it (the coverage map shows the reason)
    shown_only_en: str = ''


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    id: str
    title: str
    title_en: str = ''
    source: str = ''
    clauses: tuple[Clause, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Scope:
    """Which rows a role sees: all, own (a user field equals the actor), or a condition."""

    own: str | None = None
    where: dict[str, Any] | None = None

    @property
    def is_all(self) -> bool:
        return self.own is None and self.where is None


@dataclass(frozen=True, slots=True, kw_only=True)
class Rights:
    actions: frozenset[str] = frozenset()
    hidden: frozenset[str] = frozenset()
    readonly: frozenset[str] = frozenset()
    scopes: tuple[Scope, ...] = ()   # OR-ed; empty with view = nothing visible


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleSpec:
    key: str
    label: str
    label_en: str = ''
    admin: bool = False
    registers: dict[str, Rights] = field(default_factory=dict)
    dashboard: str | None = None

    def title(self, lang: str = 'zh') -> str:
        return (self.label_en or self.label) if lang == 'en' else self.label


@dataclass(frozen=True, kw_only=True)
class Catalog:
    """Everything loaded from schemas/: the one object the rest of the engine asks."""

    registers: dict[str, RegisterSchema]
    documents: tuple[Document, ...] = ()
    roles: dict[str, RoleSpec] = field(default_factory=dict)
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    dashboards: dict[str, Any] = field(default_factory=dict)
    reports: dict[str, Any] = field(default_factory=dict)
    broken: tuple[str, ...] = ()   # register files with structural problems: known by key (no false cascades)

    @cached_property
    def clauses(self) -> dict[str, Clause]:
        return {c.id: c for d in self.documents for c in d.clauses}

    @cached_property
    def _clause_documents(self) -> dict[str, Document]:
        return {c.id: d for d in self.documents for c in d.clauses}

    def clause_label(self, clause_id: str, lang: str = 'zh') -> str:
        """How a clause is cited to people: 《仓储管理制度》发货 1 (the id when it is unknown)."""
        clause, document = self.clauses.get(clause_id), self._clause_documents.get(clause_id)
        if clause is None or document is None:
            return clause_id
        if lang == 'en':
            return f'{document.title_en or document.title} · {clause.heading}'
        return f'《{document.title}》{clause.heading}'

    def register(self, key: str) -> RegisterSchema | None:
        return self.registers.get(key)

    def ordered(self) -> list[RegisterSchema]:
        return sorted(self.registers.values(), key=lambda r: (r.order, r.key))


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """The person (or process) on whose behalf a service call runs."""

    username: str
    display_name: str = ''
    roles: tuple[str, ...] = ()
    lang: str = 'zh'
    preview: bool = False   # an admin viewing the portal as a role: reads only
    password_change_due: bool = False   # signed in with a password the policy no longer accepts: change it first
    session: str | None = None          # the server-side session a page acts in (None: token, CLI, system)

    @property
    def name(self) -> str:
        return self.display_name or self.username
