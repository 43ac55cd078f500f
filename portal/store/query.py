"""Row queries from the grid: AG Grid sort and filter models and the quick search, checked and turned into
database filters over whitelisted (visible) fields only."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tortoise.expressions import Q

from ..errors import PortalError
from ..fields import FieldError, ValueContext
from ..fields.normalize import to_date, to_decimal
from ..schema import FieldSpec

MAX_BLOCK = 1000


class SortItem(BaseModel):
    model_config = ConfigDict(extra='ignore')
    colId: str = Field(max_length=64)
    sort: Literal['asc', 'desc']


class RowQuery(BaseModel):
    """What a grid (or the API) asks for; anything else is refused with a message."""

    model_config = ConfigDict(extra='ignore')
    start: int = Field(default=0, ge=0, le=100_000_000)
    limit: int = Field(default=100, ge=1, le=MAX_BLOCK)
    sort: list[SortItem] = Field(default_factory=list, max_length=5)
    filter: dict[str, dict[str, Any]] = Field(default_factory=dict)
    quick: str = Field(default='', max_length=100)
    queue: str | None = Field(default=None, max_length=64)
    where: dict[str, Any] | None = None      # a declared-style condition (dashboards, CLI --filter)

    @classmethod
    def parse(cls, data: dict[str, Any]) -> RowQuery:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise PortalError('error.bad_query', detail=f'{".".join(map(str, err["loc"]))}: {err["msg"]}') from exc


def order_by(sort: list[SortItem], fields: dict[str, FieldSpec], default: tuple[tuple[str, str], ...]) -> list[str]:
    """ORDER BY terms, always ending with the id so paging is stable."""
    terms = []
    for item in sort or [SortItem(colId=c, sort=d) for c, d in default]:
        spec = fields.get(item.colId)
        if item.colId == 'id':              # 编号: unique, so nothing after it matters
            terms.append('-id' if item.sort == 'desc' else 'id')
            return terms
        if spec is None:
            raise PortalError('error.unknown_field', field=item.colId)
        if not spec.kind.sortable:
            raise PortalError('error.not_sortable', field=item.colId)
        terms.append(('-' if item.sort == 'desc' else '') + spec.name)
    last_desc = bool(terms) and terms[-1].startswith('-')
    terms.append('-id' if last_desc or not terms else 'id')
    return terms


def filter_q(model: dict[str, dict[str, Any]], fields: dict[str, FieldSpec], ctx: ValueContext) -> Q:
    q = Q()
    for col, spec_filter in model.items():
        spec = fields.get(col)
        if spec is None:
            raise PortalError('error.unknown_field', field=col)
        if not isinstance(spec_filter, dict):
            raise PortalError('error.bad_filter', field=col, detail='not an object')
        if 'conditions' in spec_filter:
            parts = [_one(spec, c, ctx) for c in spec_filter.get('conditions') or []][:2]
            join = 'OR' if str(spec_filter.get('operator', 'AND')).upper() == 'OR' else 'AND'
            q &= Q(*parts, join_type=join) if parts else Q()
        else:
            q &= _one(spec, spec_filter, ctx)
    return q


_TEXT_OPS = {'contains': 'icontains', 'notContains': 'not_icontains', 'equals': 'iexact', 'notEqual': 'not',
             'startsWith': 'istartswith', 'endsWith': 'iendswith'}
_CMP_OPS = {'equals': '', 'notEqual': 'not', 'lessThan': 'lt', 'lessThanOrEqual': 'lte', 'greaterThan': 'gt',
            'greaterThanOrEqual': 'gte'}


def _one(spec: FieldSpec, f: dict[str, Any], ctx: ValueContext) -> Q:
    kind = spec.kind.filter_kind
    op = f.get('type')
    name = spec.name
    if op in ('blank', 'notBlank'):
        blank = Q(**{f'{name}__isnull': True})
        if spec.kind.storage == 'text':
            blank |= Q(**{name: ''})
        return blank if op == 'blank' else ~blank
    if kind == 'set' or f.get('filterType') == 'set':
        values = f.get('values')
        if not isinstance(values, list) or len(values) > 500:
            raise PortalError('error.bad_filter', field=name, detail='values must be a list')
        typed = [_typed(spec, v, ctx) for v in values]
        present = [v for v in typed if v is not None]
        q = Q(**{f'{name}__in': present}) if present else Q(id=-1)
        return q | Q(**{f'{name}__isnull': True}) if None in typed else q
    if kind == 'text':
        if op not in _TEXT_OPS:
            raise PortalError('error.bad_filter', field=name, detail=f'unknown operator {op!r}')
        value = str(f.get('filter', ''))[:200]
        lookup = _TEXT_OPS[op]
        if lookup == 'not':
            return ~Q(**{f'{name}__iexact': value}) | Q(**{f'{name}__isnull': True})
        if lookup == 'not_icontains':
            return ~Q(**{f'{name}__icontains': value}) | Q(**{f'{name}__isnull': True})
        return Q(**{f'{name}__{lookup}': value})
    if kind in ('number', 'date', 'datetime'):
        key_from, key_to = ('dateFrom', 'dateTo') if kind != 'number' else ('filter', 'filterTo')
        low = _bound(spec, f.get(key_from), ctx)
        if op == 'inRange':
            high = _bound(spec, f.get(key_to), ctx, upper=True)
            return Q(**{f'{name}__gte': low, f'{name}__lte': high})
        if op not in _CMP_OPS:
            raise PortalError('error.bad_filter', field=name, detail=f'unknown operator {op!r}')
        if kind == 'datetime' and op == 'equals':   # a day, for date-times
            return Q(**{f'{name}__gte': low, f'{name}__lt': low + timedelta(days=1)})
        lookup = _CMP_OPS[op]
        if lookup == 'not':
            return ~Q(**{name: low}) | Q(**{f'{name}__isnull': True})
        return Q(**{f'{name}__{lookup}' if lookup else name: low})
    raise PortalError('error.bad_filter', field=name, detail='this column cannot be filtered')


def _typed(spec: FieldSpec, raw: Any, ctx: ValueContext) -> Any:
    if raw is None:
        return None
    try:
        return spec.kind.parse(raw, spec, ctx)
    except FieldError as exc:
        raise PortalError('error.bad_filter', field=spec.name, detail=str(raw)[:40]) from exc


def _bound(spec: FieldSpec, raw: Any, ctx: ValueContext, upper: bool = False) -> Any:
    if raw is None or raw == '':
        raise PortalError('error.bad_filter', field=spec.name, detail='missing value')
    if spec.kind.filter_kind == 'datetime':
        day = to_date(raw)
        if day is None:
            raise PortalError('error.bad_filter', field=spec.name, detail=str(raw)[:40])
        start = datetime.combine(day, datetime.min.time())
        return start + timedelta(days=1) - timedelta(seconds=1) if upper else start
    if spec.kind.filter_kind == 'date':
        value = to_date(raw)
        if value is None:
            raise PortalError('error.bad_filter', field=spec.name, detail=str(raw)[:40])
        return value
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise PortalError('error.bad_filter', field=spec.name, detail=str(raw)[:40])
    return _typed_number(spec, raw)


def _typed_number(spec: FieldSpec, raw: Any) -> Any:
    value = to_decimal(raw)
    if value is None:
        raise PortalError('error.bad_filter', field=spec.name, detail=str(raw)[:40])
    return value if spec.kind.storage == 'decimal' else int(value)


