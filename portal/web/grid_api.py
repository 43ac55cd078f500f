"""HTTP endpoints the grid's infinite row model fetches blocks and counts from (session-authenticated)."""
from __future__ import annotations

import json
from typing import Any, Callable

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from nicegui import app

from .. import records
from ..errors import PortalError
from ..people import access
from ..records import payloads
from ..runtime import rt
from ..store.query import RowQuery
from . import auth

MAX_BODY = 64 * 1024


def register_routes() -> None:
    @app.post('/grid/{key}/rows')
    async def grid_rows(key: str, request: Request):
        actor, query = await _prepare(request)
        if isinstance(actor, JSONResponse):
            return actor
        try:
            rows = await records.list_rows(actor, key, query)
        except PortalError as exc:
            return JSONResponse({'detail': exc.message(actor.lang)}, status_code=exc.status)
        register = records.register_of(key)
        granted = access.rights(rt().catalog, actor, key)
        return Response(json.dumps({'rows': payloads(register, granted, rows)}, ensure_ascii=False,
                                   separators=(',', ':')), media_type='application/json')

    @app.post('/grid/{key}/count')
    async def grid_count(key: str, request: Request):
        actor, query = await _prepare(request)
        if isinstance(actor, JSONResponse):
            return actor
        try:
            return {'count': await records.count_rows(actor, key, query)}
        except PortalError as exc:
            return JSONResponse({'detail': exc.message(actor.lang)}, status_code=exc.status)


async def _prepare(request: Request):
    return await read_body(request, _query)


def _query(data) -> RowQuery:
    if not isinstance(data, dict):
        raise ValueError('not an object')
    return RowQuery.parse(data)


async def read_body(request: Request, parse: Callable[[Any], Any]):
    """(actor, parse(the JSON body)) of a grid request, or (the refusal to send, None): signed in, a body of at
    most MAX_BODY bytes, and JSON that `parse` accepts (its ValueError or refusal is a 400)."""
    actor = await auth.current_actor(request)
    if actor is None:
        return JSONResponse({'detail': '请重新登录 · please sign in'}, status_code=401), None
    raw = await request.body()
    if len(raw) > MAX_BODY:
        return JSONResponse({'detail': 'request too large'}, status_code=413), None
    try:
        return actor, parse(json.loads(raw or b'{}'))
    except (ValueError, PortalError) as exc:
        detail = exc.message(actor.lang) if isinstance(exc, PortalError) else f'bad request: {exc}'
        return JSONResponse({'detail': detail}, status_code=400), None
