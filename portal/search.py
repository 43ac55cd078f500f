"""The grid's quick search. On SQLite an FTS5 trigram index per register (kept in step by triggers) answers
terms of 3+ characters from the index and 2-character terms by expanding them to the index's trigrams
(every value ends in a separator, so each occurrence of a 2-character term starts some trigram); 1-character
terms scan the narrow index table. PostgreSQL matches the columns with ILIKE. Only fields no role hides are
indexed, so a search can never reveal a hidden column."""
from __future__ import annotations

import hashlib
from typing import Any

from tortoise.expressions import Q, RawSQL

from .fields.normalize import clean
from .schema import Catalog, FieldSpec, RegisterSchema

SEP = 'char(31)'
MAX_EXPANSION = 400


def searchable(register: RegisterSchema, catalog: Catalog) -> list[FieldSpec]:
    hidden = set()
    for role in catalog.roles.values():
        rights = role.registers.get(register.key) or role.registers.get('*')
        if rights:
            hidden |= rights.hidden
    return [f for f in register.fields if (f.search if f.search is not None else f.kind.searchable)
            and f.name not in hidden]


def table(key: str) -> str:
    return f'{key}__fts'


INDEX_VERSION = 'v3'   # v2: only live (not soft-deleted) rows are indexed; v3: bulk inserts can pause it
PAUSE_TABLE = 'portal_search_paused'


def signature(register: RegisterSchema, catalog: Catalog) -> str:
    names = INDEX_VERSION + ','.join(f.name for f in searchable(register, catalog))
    return hashlib.sha1(names.encode()).hexdigest()[:12]


def ddl(register: RegisterSchema, catalog: Catalog) -> list[str]:
    """SQLite statements that (re)create the index, its triggers and its contents."""
    key, fts = register.key, table(register.key)
    fields = searchable(register, catalog)
    if not fields:
        return [f'DROP TABLE IF EXISTS "{fts}"', f'DROP TABLE IF EXISTS "{fts}_vocab"']

    live = f"new.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM {PAUSE_TABLE} WHERE register = '{key}')"
    return [f'CREATE TABLE IF NOT EXISTS {PAUSE_TABLE} (register TEXT PRIMARY KEY)',
        f'DROP TRIGGER IF EXISTS "{fts}_ai"', f'DROP TRIGGER IF EXISTS "{fts}_au"', f'DROP TRIGGER IF EXISTS "{fts}_ad"',
        f'DROP TABLE IF EXISTS "{fts}_vocab"', f'DROP TABLE IF EXISTS "{fts}"',
        f'CREATE VIRTUAL TABLE "{fts}" USING fts5(body, tokenize = \'trigram\')',
        f'CREATE VIRTUAL TABLE "{fts}_vocab" USING fts5vocab("{fts}", \'row\')',
        f'INSERT INTO "{fts}"(rowid, body) SELECT id, {_expr(fields, key)} FROM "{key}" WHERE deleted_at IS NULL',
        f'CREATE TRIGGER "{fts}_ai" AFTER INSERT ON "{key}" WHEN {live} BEGIN '
        f'INSERT INTO "{fts}"(rowid, body) VALUES (new.id, {_expr(fields, "new")}); END',
        f'CREATE TRIGGER "{fts}_au" AFTER UPDATE ON "{key}" BEGIN DELETE FROM "{fts}" WHERE rowid = old.id; '
        f'INSERT INTO "{fts}"(rowid, body) SELECT new.id, {_expr(fields, "new")} WHERE {live}; END',
        f'CREATE TRIGGER "{fts}_ad" AFTER DELETE ON "{key}" BEGIN DELETE FROM "{fts}" WHERE rowid = old.id; END',
    ]


def _expr(fields: list[FieldSpec], alias: str) -> str:
    return ' || '.join(f"coalesce(CAST({alias}.\"{f.name}\" AS TEXT), '') || {SEP}" for f in fields)


async def paused(register: RegisterSchema, catalog: Catalog, tx, dialect: str):
    """A context for bulk inserts: the per-row trigger stands aside and the new rows are indexed in one
    statement at the end (an FTS insert per row costs ~8x the row itself). Inside the caller's transaction."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def pausing():
        fields = searchable(register, catalog)
        if dialect != 'sqlite' or not fields:
            yield lambda ids: None
            return
        await tx.execute_query(f"INSERT OR IGNORE INTO {PAUSE_TABLE}(register) VALUES ('{register.key}')")
        added: list[int] = []
        yield added.extend
        await tx.execute_query(f"DELETE FROM {PAUSE_TABLE} WHERE register = '{register.key}'")
        if added:
            fts = table(register.key)
            await tx.execute_query(f'INSERT INTO "{fts}"(rowid, body) SELECT id, {_expr(fields, register.key)} '
                                   f'FROM "{register.key}" WHERE id BETWEEN ? AND ? AND deleted_at IS NULL',
                                   [min(added), max(added)])
    return pausing()


async def quick_filter(qs, register: RegisterSchema, catalog: Catalog, text: str, visible: list[FieldSpec],
                       dialect: str, conn) -> Any:
    words = [w for w in str(clean(text)).lower().split() if w][:5]
    if not words:
        return qs
    if dialect != 'sqlite':
        fields = [f for f in searchable(register, catalog) if f in visible]
        for word in words:
            qs = qs.filter(Q(*[Q(**{f'{f.name}__icontains': word}) for f in fields], join_type='OR'))
        return qs
    fts = table(register.key)
    for i, word in enumerate(words):
        condition = await _condition(fts, word, conn)
        qs = qs.annotate(**{f'_q{i}': RawSQL(condition)}).filter(**{f'_q{i}': 1})
    return qs


async def count_only(register: RegisterSchema, text: str, dialect: str, conn) -> int | None:
    """The count of a bare quick search (no filters, no row scope), straight from the index, which holds only
    live rows; None when that shortcut does not apply."""
    words = [w for w in str(clean(text)).lower().split() if w][:5]
    if dialect != 'sqlite' or not words:
        return None
    parts = [await _match(table(register.key), w, conn) for w in words]
    if any(p is None for p in parts):
        return None
    if any(p == '' for p in parts):
        return 0
    match = ' AND '.join(f'({p})' for p in parts)
    rows = await conn.execute_query_dict(f'SELECT count(*) AS n FROM "{table(register.key)}" '
                                         f'WHERE "{table(register.key)}" MATCH ?', [match])
    return rows[0]['n']


async def _match(fts: str, word: str, conn) -> str | None:
    """An FTS5 MATCH expression for one word ('' = matches nothing, None = not expressible: 1 character)."""
    if len(word) >= 3:
        return _phrase(word)
    if len(word) == 2:
        rows = await conn.execute_query_dict(
            f'SELECT term FROM "{fts}_vocab" WHERE term >= ? AND term < ? LIMIT {MAX_EXPANSION + 1}',
            [word, word + '\U0010ffff'])
        terms = [r['term'] for r in rows]
        if len(terms) <= MAX_EXPANSION:
            return ' OR '.join(_phrase(t) for t in terms)
    return None


async def _condition(fts: str, word: str, conn) -> str:
    match = await _match(fts, word, conn)
    if match == '':
        return '0'
    if match is not None:
        return f'"id" IN (SELECT rowid FROM "{fts}" WHERE "{fts}" MATCH {_literal(match)})'
    like = '%' + word.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_') + '%'
    return f'"id" IN (SELECT rowid FROM "{fts}" WHERE body LIKE {_literal(like)} ESCAPE \'\\\')'


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
