"""Walking every row of a query in its sort order, a chunk at a time, by keyset (seek) pagination: each chunk starts
after the last row of the one before (its sort values and id), so an export reads each row once; with OFFSET
every chunk sorted or skipped all the rows before it again.

The walk follows the ORDER BY the grid uses (`query.order_by`: sort terms ending with the unique id) and the
database's own place for NULLs: SQLite puts them first in ascending order, PostgreSQL last. So that an index on
the first sort column serves every chunk, the walk splits that column's rows into its NULLs and its values
(each a segment in the order the database sorts them); within the values a chunk is a range on the column
(`col >= v`, sargable) narrowed to the exact rows after (col, …, id). Comparisons go through tortoise's
lookups, which compare a decimal (text on SQLite) as a number, as its ORDER BY does."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, AsyncIterator

from tortoise.expressions import Q


@dataclass(frozen=True, slots=True)
class Term:
    name: str
    desc: bool

    @classmethod
    def of(cls, term: str) -> Term:
        return cls(term.lstrip('-'), term.startswith('-'))


async def walk(qs, order: list[str], chunk: int, columns: list[str], dialect: str
               ) -> AsyncIterator[list[dict[str, Any]]]:
    """Yield the rows of `qs` (values of 'id' and `columns`) in the order `order`, `chunk` rows at a time."""
    terms = [Term.of(t) for t in order]
    if terms[-1].name != 'id':
        raise ValueError('the order must end with the unique id')
    wanted = list(dict.fromkeys(['id', *columns, *(t.name for t in terms)]))
    head, rest = terms[0], terms[1:]
    segments = [None] if not rest else (['nulls', 'values'] if nulls_first(head, dialect) else ['values', 'nulls'])
    for segment in segments:
        base = qs if segment is None else qs.filter(**{f'{head.name}__isnull': segment == 'nulls'})
        last: dict[str, Any] | None = None
        while True:
            page = base if last is None else base.filter(_after(terms, last, segment, dialect))
            rows = await page.order_by(*order).limit(chunk).values(*wanted)
            if rows:
                yield [{k: row[k] for k in ('id', *columns)} for row in rows]
            if len(rows) < chunk:
                break
            last = rows[-1]


def nulls_first(term: Term, dialect: str) -> bool:
    """Where the database sorts NULLs: SQLite takes them as the smallest value, PostgreSQL as the largest."""
    return term.desc != (dialect == 'sqlite')


def _after(terms: list[Term], last: dict[str, Any], segment: str | None, dialect: str) -> Q:
    """Rows after `last` within a segment of the first term (None: the order is the id alone)."""
    head, rest = terms[0], terms[1:]
    if segment is None:
        return _beyond(head, last['id'])
    if segment == 'nulls':
        return after(rest, last, dialect)        # the first column is NULL throughout
    value = last[head.name]
    bound = Q(**{f'{head.name}__{"lte" if head.desc else "gte"}': value})      # the range an index serves
    return bound & (_beyond(head, value) | (Q(**{head.name: value}) & after(rest, last, dialect)))


def after(terms: list[Term], last: dict[str, Any], dialect: str) -> Q:
    """Rows strictly after `last` in the order of `terms` (the last term is the id, never NULL)."""
    head, rest = terms[0], terms[1:]
    if not rest:
        return _beyond(head, last[head.name])
    value = last[head.name]
    tail = after(rest, last, dialect)
    if value is None:
        same = Q(**{f'{head.name}__isnull': True}) & tail
        return same | Q(**{f'{head.name}__isnull': False}) if nulls_first(head, dialect) else same
    beyond = _beyond(head, value)
    if not nulls_first(head, dialect):
        beyond |= Q(**{f'{head.name}__isnull': True})
    return beyond | (Q(**{head.name: value}) & tail)


def _beyond(term: Term, value: Any) -> Q:
    return Q(**{f'{term.name}__{"lt" if term.desc else "gt"}': value})
