"""The FieldType contract: one class per field type, a fixed set of hooks, one registry."""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from ..errors import FieldProblem
from ..registry import field_types
from .normalize import clean

if TYPE_CHECKING:
    from ..schema import FieldSpec

COMMON_OPTIONS = frozenset({'name', 'type', 'label', 'label_en', 'required', 'unique', 'default', 'help', 'help_en',
                            'index', 'readonly', 'hidden', 'width', 'renamed_from', 'search', 'computed'})


class FieldError(Exception):
    """A value was rejected by its type; key/params render the Chinese or English message."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(key)

    def problem(self, spec: FieldSpec, **where: Any) -> FieldProblem:
        return FieldProblem(field=spec.name, key=self.key, params=self.params, **where)


@dataclass(kw_only=True)
class ValueContext:
    """What parsing needs beyond the raw value: the clock, the actor, users and ref titles."""

    today: date
    now: datetime
    user: str | None = None
    users: dict[str, str] | None = None          # username -> display name; None = not checked
    refs: dict[str, dict[str, int]] = field(default_factory=dict)  # register -> title -> row id
    ref_ids: dict[str, set[int]] = field(default_factory=dict)     # register -> known row ids
    clauses: dict[str, str] | None = None        # clause id -> heading; None = not checked
    lang: str = 'zh'
    uploads: dict[str, dict] | None = field(default_factory=dict)   # sha256 -> descriptor of files uploaded by this
                                                                    # request; None = trusted (undo)


class FieldType:
    """Base of all field types. Subclasses set the class attributes and override the hooks they need."""

    name: ClassVar[str]
    label: ClassVar[str]            # zh name of the type, shown in hints and templates
    label_en: ClassVar[str]
    storage: ClassVar[str]          # what the column holds; migration compares these
    filter_kind: ClassVar[str]      # 'text' | 'number' | 'date' | 'datetime' | 'set' | 'none'
    options: ClassVar[frozenset[str]] = frozenset()   # type-specific options allowed in the schema
    default_keywords: ClassVar[frozenset[str]] = frozenset()
    searchable: ClassVar[bool] = False   # part of the quick search by default
    holds_user: ClassVar[bool] = False   # value is a portal login name (row scopes 'own' use such fields)
    holds_state: ClassVar[bool] = False  # value is a workflow state (moves by transitions only)
    input_kind: ClassVar[str] = 'text'   # form widget: text, textarea, number, date, datetime, time, select,
                                         # multiselect, checkbox (the UI maps kinds to widgets)
    sortable: ClassVar[bool] = True
    holds_files: ClassVar[bool] = False  # value is a list of stored files (records/attach.py, the sweep)

    # --- database -------------------------------------------------------------------------------
    def column(self, spec: FieldSpec):
        """The tortoise field for this column (always nullable: required is enforced by the service)."""
        raise NotImplementedError

    # --- values ---------------------------------------------------------------------------------
    def parse(self, raw: Any, spec: FieldSpec, ctx: ValueContext) -> Any:
        """Turn what a person typed, pasted, imported or the grid sent into the stored value."""
        if raw is None:
            return None
        if raw.__class__ is str:
            raw = raw.strip() if raw.isascii() else clean(raw)     # (clean inlined for ASCII: 1.5M cells)
            if not raw:
                return None
        elif raw == []:
            return None
        return self.convert(raw, spec, ctx)

    def convert(self, raw: Any, spec: FieldSpec, ctx: ValueContext) -> Any:
        raise NotImplementedError

    def settle(self, old: Any, new: Any, spec: FieldSpec, ctx: ValueContext) -> Any:
        """The value a write stores, given the cell's old value (None for a new row): a type whose parsed value
        refers to what the cell held resolves it here (raise FieldError to refuse)."""
        return new

    def checked_parser(self, spec: FieldSpec, ctx: ValueContext) -> Callable[[Any], Any]:
        """parse + check of one field as one callable, for loops over many rows (an import checks 1.5 million
        cells); a type may return a faster one that does the same."""
        parse, check = self.parse, self.check

        def parse_and_check(raw: Any) -> Any:
            value = parse(raw, spec, ctx)
            check(value, spec)
            return value
        return parse_and_check

    def check(self, value: Any, spec: FieldSpec) -> None:
        """Constraints declared on the field (min/max/length/pattern/choices); raise FieldError."""
        if value is None:
            return
        if spec.min is not None and value < self.bound(spec.min, spec):
            raise FieldError('value.below_min', value=self.text(value, spec), min=self.text(self.bound(spec.min, spec), spec))
        if spec.max is not None and value > self.bound(spec.max, spec):
            raise FieldError('value.above_max', value=self.text(value, spec), max=self.text(self.bound(spec.max, spec), spec))

    def bound(self, raw: Any, spec: FieldSpec) -> Any:
        """A min/max option as a comparable value."""
        return raw

    def default(self, spec: FieldSpec, ctx: ValueContext) -> Any:
        if spec.default is None:
            return None
        if isinstance(spec.default, str) and spec.default in self.default_keywords:
            return self.keyword_default(spec.default, ctx)
        return self.parse(spec.default, spec, ctx)

    def keyword_default(self, keyword: str, ctx: ValueContext) -> Any:
        raise NotImplementedError

    def to_json(self, value: Any, spec: FieldSpec) -> Any:
        """The value as the grid and the API see it."""
        return value

    def text(self, value: Any, spec: FieldSpec, lang: str = 'zh') -> str:
        """The value as a person reads it (CSV, previews, messages)."""
        return '' if value is None else str(value)

    # --- grid -----------------------------------------------------------------------------------
    def grid(self, spec: FieldSpec, ctx: dict) -> dict:
        """Type-specific AG Grid column options (editor, filter, formatter)."""
        return {'cellEditor': 'agTextCellEditor', 'filter': 'agTextColumnFilter',
                'filterParams': TEXT_FILTER_PARAMS}

    def input_options(self, spec: FieldSpec, ctx: dict) -> dict | list | None:
        """Options of a select widget in forms: a list of values or {value: label}."""
        return None

    # --- excel ----------------------------------------------------------------------------------
    def to_cell(self, value: Any, spec: FieldSpec) -> Any:
        """The value written into an xlsx cell (typed: numbers, dates, text)."""
        return self.text(value, spec)

    def cell_in_row(self, value: Any, spec: FieldSpec, where: dict) -> Any:
        """The export's cell where it depends on the row (`where`: register, id, base address)."""
        return self.to_cell(value, spec)

    def cell_format(self, spec: FieldSpec) -> str | None:
        """The Excel number format of the column, if any."""
        return None

    def dropdown(self, spec: FieldSpec, lang: str = 'zh') -> tuple[str, ...]:
        """Values offered as an Excel dropdown in templates (empty = none), as the user's language writes them."""
        return ()

    def hint(self, spec: FieldSpec, lang: str = 'zh') -> str:
        """A one-line description of what the column accepts (template comments, help)."""
        parts = [self.label_en if lang == 'en' else self.label]
        if spec.min is not None and spec.max is not None:
            parts.append(f'{spec.min} – {spec.max}')
        elif spec.min is not None:
            parts.append(f'≥ {spec.min}')
        elif spec.max is not None:
            parts.append(f'≤ {spec.max}')
        if spec.max_length:
            parts.append(('≤ {n} chars' if lang == 'en' else '最多 {n} 字').format(n=spec.max_length))
        return ', '.join(parts) if lang == 'en' else ','.join(parts)

    # --- schema checks and demo data ------------------------------------------------------------
    def check_spec(self, spec: FieldSpec, report: Callable[..., None]) -> None:
        """Type-specific checks of a field declaration; call report(code, path_suffix, message, ...)."""

    def demo(self, rng: random.Random, spec: FieldSpec, ctx: dict) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f'<FieldType {self.name}>'


TEXT_FILTER_PARAMS = {'filterOptions': ['contains', 'equals', 'startsWith', 'blank', 'notBlank'],
                      'maxNumConditions': 1, 'buttons': ['reset'], 'debounceMs': 400}
NUMBER_FILTER_PARAMS = {'filterOptions': ['equals', 'greaterThanOrEqual', 'lessThanOrEqual', 'inRange', 'blank',
                                          'notBlank'], 'maxNumConditions': 1, 'buttons': ['reset'], 'debounceMs': 400}
DATE_FILTER_PARAMS = {'filterOptions': ['equals', 'greaterThanOrEqual', 'lessThanOrEqual', 'inRange', 'blank',
                                        'notBlank'], 'maxNumConditions': 1, 'buttons': ['reset'],
                      'inRangeInclusive': True}

register_type = field_types.register   # class decorator: one registration line per type
get_type = field_types.__getitem__


def type_names() -> tuple[str, ...]:
    return field_types.names()


def all_types() -> list[FieldType]:
    return field_types.all()


def check_pattern(value: str, spec: FieldSpec) -> None:
    if spec.pattern and not re.fullmatch(spec.pattern, value):
        if spec.help:                      # the schema's own words for the format, rather than a regex
            raise FieldError('value.pattern_help', value=value, help=spec.help, help_en=spec.help_en or spec.help)
        raise FieldError('value.pattern', value=value, pattern=spec.pattern)
