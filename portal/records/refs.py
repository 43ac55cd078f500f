"""Links to rows (`ref` fields) as people type them: `#282`, `282`, or the linked row's title (入库单号). Before values
are parsed, the rows they name are looked up — one query per link field and kind for a whole paste or import — so
a link to a row that does not exist (or is in the recycle bin) is refused and a title finds its row, as the field's
hint promises. Before this, titles were never found and any number was taken as a link."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..fields import ValueContext
from ..fields.normalize import to_decimal
from ..runtime import rt
from ..schema import RegisterSchema
from ..store import db

CHUNK = 500


async def resolve(register: RegisterSchema, raws: Iterable[dict[str, Any]], ctx: ValueContext) -> None:
    """Fill `ctx.ref_ids` (ids that exist) and `ctx.refs` (title → id) for the link values in `raws`."""
    raws = list(raws)
    for spec in register.fields:
        target = rt().catalog.registers.get(spec.ref) if spec.ref else None
        if target is None:
            continue
        values = {str(r[spec.name]).strip() for r in raws if r.get(spec.name) not in (None, '')}
        if values:
            await _look_up(target, values, ctx)


def _row_id(text: str) -> int | None:
    """The row number a value names, read as the field reads it (#282, 282, 282.0 from a spreadsheet cell)."""
    number = to_decimal(text.lstrip('#'))
    if number is not None and number == number.to_integral_value() and 0 < number < 10 ** 18:
        return int(number)
    return None


async def _look_up(target: RegisterSchema, values: set[str], ctx: ValueContext) -> None:
    model = db.row_model(target.key)
    ids = {n for n in map(_row_id, values) if n is not None}
    known = ctx.ref_ids.setdefault(target.key, set())
    wanted = sorted(ids - known)
    for at in range(0, len(wanted), CHUNK):
        known.update(await model.filter(id__in=wanted[at:at + CHUNK], deleted_at__isnull=True)
                     .values_list('id', flat=True))
    titles = ctx.refs.setdefault(target.key, {})
    spec = target.field(target.title_field) if target.title_field else None
    names = sorted(v for v in values if v not in titles)
    if spec is None or spec.kind.storage != 'text' or not names:
        return
    for at in range(0, len(names), CHUNK):
        found = await (model.filter(**{f'{target.title_field}__in': names[at:at + CHUNK]}, deleted_at__isnull=True)
                       .order_by('id').values('id', target.title_field))
        for row in found:
            titles.setdefault(str(row[target.title_field]), row['id'])
