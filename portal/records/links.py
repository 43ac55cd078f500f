"""Links between registers, seen from the row they point at: the rows of other registers whose `ref` field names
this row (a goods receipt → the replenishment requests it fulfilled), and the source rows of a derived sum with the
same key (a stock item → its receipts, shipments and returns). The forward side is the ref field itself (its title
is shown in the grid and form); this is the way back. Each list is read with the actor's own rights and scope:
a register the actor may not view is left out, never counted."""
from __future__ import annotations

from typing import Any

from ..errors import PermissionDenied
from ..people import access
from ..runtime import rt
from ..schema import Actor
from .read import _load, open_register, scoped_queryset

LIMIT = 20      # rows listed per link (the count says how many there are)


def _ways_back(key: str) -> list[tuple[str, str, str]]:
    """(register, its field, this register's field whose value it holds) for every link that ends in `key`."""
    catalog = rt().catalog
    ways = [(other.key, spec.name, 'id') for other in catalog.ordered() for spec in other.fields
            if spec.ref == key]
    for rule in catalog.registers[key].rules:
        if rule.kind == 'derived_sum' and not isinstance(rule.params, dict):
            for source in rule.params.sources:
                way = (source.source, source.match, rule.params.key)
                if way not in ways:
                    ways.append(way)
    return ways


async def linked_rows(actor: Actor, key: str, row_id: int, limit: int = LIMIT) -> list[dict[str, Any]]:
    """[{register, label, field, field_label, count, where, rows: [{id, title}]}] for the row `row_id` of `key`
    (`where` is the condition that lists them all in their register: /r/<register>?where=…)."""
    register, granted = open_register(actor, key, 'view')
    row = await _load(register, row_id)
    if not access.in_scope(register, granted, actor, row, rt().today()):
        raise PermissionDenied('perm.row')
    out = []
    for other_key, field, own in _ways_back(key):
        if 'view' not in access.rights(rt().catalog, actor, other_key).actions or row.get(own) is None:
            continue
        other, other_granted, query = await scoped_queryset(actor, other_key)
        if field in other_granted.hidden:
            continue
        query = query.filter(**{field: row[own]})
        title = other.title_field or other.natural_key[0] if (other.title_field or other.natural_key) else 'id'
        names = ['id'] + ([title] if title != 'id' else [])
        rows = await query.order_by('-id').limit(limit).values(*names)
        spec = other.field(field)
        out.append({'register': other_key, 'label': other.title(actor.lang), 'field': field,
                    'field_label': spec.title(actor.lang), 'count': await query.count(), 'where': {field: row[own]},
                    'rows': [{'id': r['id'], 'title': str(r.get(title, r['id']))} for r in rows]})
    return out
