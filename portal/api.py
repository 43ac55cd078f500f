"""REST API under /api/v1 on the same services and rights as the UI (bearer tokens; OpenAPI at
/api/v1/openapi.json, docs at /api/v1/docs). A refusal here is the same refusal as in the grid."""
from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from . import access, grid, records, tokens, users
from .access import Actor
from .errors import Conflict, PortalError, ValidationFailed
from .query import RowQuery
from .runtime import rt

api = FastAPI(title='运营台 · Ops Portal API', version='1', description=__doc__,
              openapi_url='/openapi.json', docs_url='/docs', redoc_url=None)


class RowIn(BaseModel):
    values: dict[str, Any] = Field(default_factory=dict, description='field name → value (as typed in the grid)')


class RowPatch(BaseModel):
    version: int = Field(description='the version you read; a newer one on the server gives 409')
    values: dict[str, Any] = Field(default_factory=dict)


class Page(BaseModel):
    rows: list[dict[str, Any]]
    total: int
    start: int
    limit: int


class Problem(BaseModel):
    detail: str
    code: str
    problems: list[dict[str, Any]] | None = None
    current: dict[str, Any] | None = None


ERRORS = {400: {'model': Problem}, 401: {'model': Problem}, 403: {'model': Problem}, 404: {'model': Problem},
          409: {'model': Problem}, 422: {'model': Problem}}


async def actor_of(authorization: str | None = Header(default=None)) -> Actor:
    from .app import ready
    await ready()
    username = await tokens.authenticate(authorization)
    actor = await users.cached_actor(username)
    if actor is None:
        raise PortalError('token.bad')
    return actor


@api.exception_handler(PortalError)
async def refused(request: Request, exc: PortalError) -> JSONResponse:
    body: dict[str, Any] = {'detail': exc.message('zh'), 'code': exc.key}
    status = exc.status
    if exc.key in ('token.missing', 'token.bad'):
        status = 401
    if isinstance(exc, ValidationFailed):
        body['problems'] = [{'field': p.field, 'message': p.message('zh'), 'message_en': p.message('en')}
                            for p in exc.problems]
    if isinstance(exc, Conflict):
        register = rt().catalog.register(request.path_params.get('key', ''))
        actor = getattr(request.state, 'actor', None)
        if register is not None and exc.current and actor is not None:
            body['current'] = grid.payload(register, access.rights(rt().catalog, actor, register.key), exc.current)
    if status == 500:
        status = 400
    return JSONResponse(body, status_code=status)


def _schema(register, actor: Actor) -> dict[str, Any]:
    granted = access.rights(rt().catalog, actor, register.key)
    return {'key': register.key, 'label': register.label, 'label_en': register.label_en,
            'actions': sorted(granted.actions), 'natural_key': list(register.natural_key),
            'workflow': {'field': register.workflow.field, 'states': list(register.workflow.states)}
            if register.workflow else None,
            'fields': [{'name': f.name, 'type': f.type, 'label': f.label, 'label_en': f.label_en,
                        'required': f.required, 'readonly': not access.writable(f, granted),
                        'choices': list(f.choices) or None} for f in access.visible_fields(register, granted)]}


@api.get('/status', responses=ERRORS)
async def status(actor: Actor = Depends(actor_of)) -> dict[str, Any]:
    """This process's view of the deployment: database, and change events received from other processes."""
    from .events import PROCESS_ID
    bridge = rt().bridge
    return {'process': PROCESS_ID, 'database': rt().settings.db_url.split('://', 1)[0],
            'redis': bridge is not None, 'events_received': bridge.received if bridge else 0}


@api.get('/registers', responses=ERRORS)
async def list_registers(actor: Actor = Depends(actor_of)) -> list[dict[str, Any]]:
    return [_schema(r, actor) for r in access.registers_for(rt().catalog, actor)]


@api.get('/registers/{key}', responses=ERRORS)
async def get_register(key: str, actor: Actor = Depends(actor_of)) -> dict[str, Any]:
    register, _ = records.open_register(actor, key, 'view')
    return _schema(register, actor)


def _query(start: int, limit: int, sort: str | None, quick: str, filter_json: str | None, queue: str | None,
           where: str | None) -> RowQuery:
    data: dict[str, Any] = {'start': start, 'limit': limit, 'quick': quick, 'queue': queue}
    if sort:
        data['sort'] = [{'colId': s.lstrip('-').strip(), 'sort': 'desc' if s.strip().startswith('-') else 'asc'}
                        for s in sort.split(',') if s.strip()]
    for name, text in (('filter', filter_json), ('where', where)):
        if text:
            try:
                data[name] = json.loads(text)
            except ValueError as exc:
                raise PortalError('error.bad_query', detail=f'{name}: {exc}') from exc
    return RowQuery.parse(data)


@api.get('/registers/{key}/rows', responses=ERRORS)
async def list_rows(key: str, start: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=1000),
                    sort: str | None = Query(None, description='e.g. -ship_date,order_no'),
                    quick: str = Query('', max_length=100),
                    filter: str | None = Query(None, description='AG Grid filter model as JSON'),
                    queue: str | None = Query(None), where: str | None = Query(
                        None, description='condition as JSON, e.g. {"status": "待发货"}'),
                    actor: Actor = Depends(actor_of)) -> Page:
    query = _query(start, limit, sort, quick, filter, queue, where)
    rows = await records.list_rows(actor, key, query)
    total = await records.count_rows(actor, key, query)
    register, granted = records.open_register(actor, key, 'view')
    return Page(rows=grid.payloads(register, granted, rows), total=total, start=start, limit=limit)


@api.get('/registers/{key}/rows/{row_id}', responses=ERRORS)
async def get_row(key: str, row_id: int, actor: Actor = Depends(actor_of)) -> dict[str, Any]:
    row = await records.get_row(actor, key, row_id)
    register, granted = records.open_register(actor, key, 'view')
    return grid.payload(register, granted, row)


@api.post('/registers/{key}/rows', status_code=201, responses=ERRORS)
async def create_row(key: str, body: RowIn, actor: Actor = Depends(actor_of)) -> dict[str, Any]:
    row = await records.create_row(actor, key, body.values, source='api')
    register, granted = records.open_register(actor, key, 'view')
    return grid.payload(register, granted, row)


@api.patch('/registers/{key}/rows/{row_id}', responses=ERRORS)
async def update_row(key: str, row_id: int, body: RowPatch, request: Request,
                     actor: Actor = Depends(actor_of)) -> dict[str, Any]:
    request.state.actor = actor
    row = await records.update_row(actor, key, row_id, body.values, version=body.version, source='api')
    register, granted = records.open_register(actor, key, 'view')
    return grid.payload(register, granted, row)


@api.delete('/registers/{key}/rows/{row_id}', status_code=204, responses=ERRORS)
async def delete_row(key: str, row_id: int, actor: Actor = Depends(actor_of)) -> Response:
    await records.delete_rows(actor, key, [row_id], source='api')
    return Response(status_code=204)


@api.post('/registers/{key}/rows/{row_id}/restore', responses=ERRORS)
async def restore_row(key: str, row_id: int, actor: Actor = Depends(actor_of)) -> dict[str, Any]:
    await records.restore_rows(actor, key, [row_id], source='api')
    return await get_row(key, row_id, actor)


@api.get('/registers/{key}/export', responses=ERRORS)
async def export_rows(key: str, format: str = Query('xlsx', pattern='^(xlsx|csv)$'), sort: str | None = None,
                      quick: str = Query('', max_length=100), filter: str | None = None, where: str | None = None,
                      actor: Actor = Depends(actor_of)) -> FileResponse:
    from .excel import export
    query = _query(0, 100, sort, quick, filter, None, where)
    folder = rt().settings.data_dir / 'exports'
    folder.mkdir(parents=True, exist_ok=True)
    result = await export.export(actor, key, query, folder / f'{uuid.uuid4().hex}.{format}', fmt=format)
    media = 'text/csv' if format == 'csv' else \
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
    return FileResponse(result.path, media_type=media, filename=result.filename)
