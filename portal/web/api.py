"""REST API under /api/v1 on the same services and rights as the UI (bearer tokens; OpenAPI at
/api/v1/openapi.json, docs at /api/v1/docs — both for token holders and signed-in users only: they list every
register's fields). A refusal here is the same refusal as in the grid."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi import Path as Path_
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException

from .. import boot, records
from ..dashboards import pay, reports
from ..errors import Conflict, PermissionDenied, PortalError, ValidationFailed
from ..events import PROCESS_ID
from ..i18n import add_messages, t
from ..excel import export, uploads
from ..people import access, sessions, tokens, users
from ..records import history, payload, payloads
from ..runtime import ready, rt
from ..schema import Actor
from ..store.query import RowQuery
from . import files_api

api = FastAPI(title='运营台 · Ops Portal API', version='1', description=__doc__, openapi_url=None, docs_url=None,
              redoc_url=None, servers=[{'url': '/api/v1'}])     # served by our own guarded routes below
add_messages({
    'api.request_invalid': ('请求有 {count} 处无法读取', 'The request has {count} unreadable parts'),
    'api.not_found': ('没有这个接口', 'No such endpoint'),
    'api.http': ('请求被拒绝({status}):{detail}', 'Request refused ({status}): {detail}'),
})
# Swagger UI's own files, shipped in the fastapi-offline package: the docs render on a network without internet
DOCS_STATIC = Path(fastapi_offline.__file__).parent / 'static'
api.mount('/docs-static', StaticFiles(directory=DOCS_STATIC), name='docs-static')
bearer = HTTPBearer(auto_error=False, description='a personal API token (个人设置 · API 令牌): Bearer opt_…')


class RowIn(BaseModel):
    values: dict[str, Any] = Field(default_factory=dict, description='field name → value (as typed in the grid)')


class CorrectionIn(BaseModel):
    reason: str = Field(description='a reason code of schemas/policy/pay.toml [closing].reasons', max_length=32)
    note: str = Field('', max_length=500)


class RowPatch(BaseModel):
    version: int = Field(description='the version you read; a newer one on the server gives 409')
    values: dict[str, Any] = Field(default_factory=dict)
    checks: dict[str, bool] = Field(default_factory=dict, description='checklist item id → ticked (true) or not; '
                                    'applied before the values, in the same transaction (a move that needs the items '
                                    'ticked can come with them)')
    correction: CorrectionIn | None = Field(None, description='needed to change a row of a closed month (月结)')


class Page(BaseModel):
    rows: list[dict[str, Any]]
    total: int
    start: int
    limit: int


class Problem(BaseModel):
    """Every refusal of the API has this shape, in the language of the request's Accept-Language (zh by default)."""
    code: str = Field(description='a stable key, e.g. error.conflict, value.required, request.invalid')
    message: str
    detail: str = Field(description='the same as message (kept for older clients)')
    problems: list[dict[str, Any]] = Field(default_factory=list, description='one per bad field: field, message')
    current: dict[str, Any] | None = Field(None, description='on 409: the row as it is now')


ERRORS = {400: {'model': Problem}, 401: {'model': Problem}, 403: {'model': Problem}, 404: {'model': Problem},
          409: {'model': Problem}, 422: {'model': Problem}}


async def actor_of(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Actor:
    await ready()
    username = await tokens.authenticate(f'Bearer {credentials.credentials}' if credentials else None)
    actor = await users.cached_actor(username)
    if actor is None:
        raise PortalError('token.bad')
    return actor


async def reader(request: Request, authorization: str | None = Header(default=None)) -> str:
    """Who may read the API's description: a token holder, or a signed-in user of the portal."""
    if authorization:
        scheme, _, value = authorization.partition(' ')
        return (await actor_of(HTTPAuthorizationCredentials(scheme=scheme or 'Bearer', credentials=value))).username
    await ready()
    state = await sessions.check(request.session.get(sessions.COOKIE_KEY), touch=False)
    if not state.ok:
        raise PortalError('token.missing')
    return state.username


@api.get('/openapi.json', include_in_schema=False)
async def openapi_json(_: str = Depends(reader)) -> JSONResponse:
    return JSONResponse(api.openapi())


@api.get('/docs', include_in_schema=False)
async def docs(request: Request, authorization: str | None = Header(default=None)) -> Response:
    try:
        await reader(request, authorization)
    except PortalError:
        return RedirectResponse('/login?redirect_to=/api/v1/docs')
    return get_swagger_ui_html(openapi_url='/api/v1/openapi.json', title=api.title,
                               swagger_js_url='/api/v1/docs-static/swagger-ui-bundle.js',
                               swagger_css_url='/api/v1/docs-static/swagger-ui.css',
                               swagger_favicon_url='/api/v1/docs-static/favicon.png')


def request_lang(request: Request) -> str:
    """The language a client asks for (Accept-Language: en… → English; otherwise Chinese)."""
    wanted = request.headers.get('accept-language', '').split(',')[0].strip().lower()
    return 'en' if wanted.startswith('en') else 'zh'


def _problem(status: int, code: str, message: str, problems: list | None = None, **extra: Any) -> JSONResponse:
    body = {'code': code, 'message': message, 'detail': message, 'problems': problems or [], **extra}
    return JSONResponse(body, status_code=status)


@api.exception_handler(PortalError)
async def refused(request: Request, exc: PortalError) -> JSONResponse:
    lang = request_lang(request)
    status = 401 if exc.key in ('token.missing', 'token.bad') else exc.status
    problems, extra = [], {}
    if isinstance(exc, ValidationFailed):
        problems = [{'field': p.field, 'message': p.message(lang)} for p in exc.problems]
    if isinstance(exc, Conflict):
        register = rt().catalog.register(request.path_params.get('key', ''))
        actor = getattr(request.state, 'actor', None)
        if register is not None and exc.current and actor is not None:
            extra['current'] = payload(register, access.rights(rt().catalog, actor, register.key), exc.current)
    return _problem(400 if status == 500 else status, exc.key, exc.message(lang), problems, **extra)


@api.exception_handler(RequestValidationError)
async def malformed(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A request FastAPI could not read (a missing version, a limit over 1000 …): the same shape as a refusal."""
    lang = request_lang(request)
    problems = [{'field': '.'.join(str(p) for p in e.get('loc', ()) if p not in ('body', 'query', 'path')),
                 'message': e.get('msg', '')} for e in exc.errors()]
    return _problem(422, 'request.invalid', t('api.request_invalid', lang, count=len(problems)), problems)


@api.exception_handler(HTTPException)
async def http_refused(request: Request, exc: HTTPException) -> JSONResponse:
    key = 'api.not_found' if exc.status_code == 404 else 'api.http'
    response = _problem(exc.status_code, key, t(key, request_lang(request), status=exc.status_code, detail=exc.detail))
    response.headers.update(getattr(exc, 'headers', None) or {})
    return response


def _schema(register, actor: Actor) -> dict[str, Any]:
    granted = access.rights(rt().catalog, actor, register.key)
    return {'key': register.key, 'label': register.label, 'label_en': register.label_en,
            'actions': sorted(granted.actions), 'natural_key': list(register.natural_key),
            'workflow': {'field': register.workflow.field, 'states': list(register.workflow.states)}
            if register.workflow else None,
            'checklist': [{'id': c.id, 'text': c.text, 'text_en': c.text_en, 'required_for': list(c.required_for),
                           'clause': c.clause} for c in register.row_checklist],
            'fields': [{'name': f.name, 'type': f.type, 'label': f.label, 'label_en': f.label_en,
                        'required': f.required, 'readonly': not access.writable(f, granted),
                        'choices': list(f.choices) or None} for f in access.visible_fields(register, granted)]}


@api.get('/status', responses=ERRORS)
async def status(actor: Actor = Depends(actor_of)) -> dict[str, Any]:
    """This process's view of the deployment: database, and change events received from other processes."""
    bridge = rt().bridge
    return {'process': PROCESS_ID, 'database': rt().settings.db_url.split('://', 1)[0],
            'redis': bridge is not None, 'events_received': bridge.received if bridge else 0,
            'deployment': rt().deployment, 'schema_reload': rt().schema_reload,
            'schema_pending': rt().schema_pending if access.is_admin(rt().catalog, actor) else None}


@api.post('/admin/reload-schemas', responses=ERRORS)
async def reload_schemas(actor: Actor = Depends(actor_of)) -> dict[str, Any]:
    """Reload the schema files — in every process of the deployment (admins only); the problems, if any, are this
    process's (the others find the same in the same files and show them on their admin page)."""
    if not access.is_admin(rt().catalog, actor):
        raise PermissionDenied('perm.admin')
    problems = await boot.reload_schemas(by=actor.username)
    return {'ok': not problems, 'problems': [str(p) for p in problems], 'process': PROCESS_ID,
            'pending': rt().schema_pending}


class MigrationGoAhead(BaseModel):
    steps: list[str] = Field(max_length=10_000, description='the pending plan as read from reload-schemas')


@api.post('/admin/apply-migration', responses=ERRORS)
async def apply_migration(body: MigrationGoAhead, actor: Actor = Depends(actor_of)) -> dict[str, Any]:
    """Apply the pending migration of the schema files (admins only): `{"steps": [...]}` is the plan as the
    admin read it from `reload-schemas` or `status`; a plan that changed since is not applied (it is returned
    as the new pending plan)."""
    if not access.is_admin(rt().catalog, actor):
        raise PermissionDenied('perm.admin')
    problems = await boot.reload_schemas(apply=body.steps, by=actor.username)
    pending = rt().schema_pending
    return {'ok': not problems and not pending, 'problems': [str(p) for p in problems], 'pending': pending,
            'process': PROCESS_ID}


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
                        None, description='condition as JSON: {"status": "待发货"} (equal), {"quantity": {"gte": 2}} '
                        '(eq ne lt lte gt gte in not_in empty contains), several keys = all of them, '
                        '{"or": [{…}, {…}]} = any of them; e.g. {"or": [{"courier": "顺丰"}, '
                        '{"receiver": {"contains": "张"}}]}'),
                    actor: Actor = Depends(actor_of)) -> Page:
    query = _query(start, limit, sort, quick, filter, queue, where)
    rows = await records.list_rows(actor, key, query)
    total = await records.count_rows(actor, key, query)
    register, granted = records.open_register(actor, key, 'view')
    return Page(rows=payloads(register, granted, rows), total=total, start=start, limit=limit)


@api.get('/registers/{key}/rows/{row_id}', responses=ERRORS)
async def get_row(key: str, row_id: int, actor: Actor = Depends(actor_of)) -> dict[str, Any]:
    row = await records.get_row(actor, key, row_id)
    register, granted = records.open_register(actor, key, 'view')
    return payload(register, granted, row)


@api.get('/registers/{key}/rows/{row_id}/links', responses=ERRORS)
async def row_links(key: str, row_id: int, actor: Actor = Depends(actor_of)) -> list[dict[str, Any]]:
    """The rows of other registers that point at this one (ref fields, derived-sum sources), with the caller's
    rights: [{register, label, field, field_label, count, rows: [{id, title}]}]."""
    return await records.linked_rows(actor, key, row_id)


@api.post('/registers/{key}/rows', status_code=201, responses=ERRORS)
async def create_row(key: str, body: RowIn, actor: Actor = Depends(actor_of)) -> dict[str, Any]:
    row = await records.create_row(actor, key, body.values, source='api')
    register, granted = records.open_register(actor, key, 'view')
    return payload(register, granted, row)


@api.patch('/registers/{key}/rows/{row_id}', responses=ERRORS)
async def update_row(key: str, row_id: int, body: RowPatch, request: Request,
                     actor: Actor = Depends(actor_of)) -> dict[str, Any]:
    request.state.actor = actor
    async def write() -> dict[str, Any]:
        if body.checks:
            return await records.update_with_checks(actor, key, row_id, body.values, body.checks,
                                                    version=body.version, source='api')
        return await records.update_row(actor, key, row_id, body.values, version=body.version, source='api')
    if body.correction is None:
        row = await write()
    else:
        async with records.closing.correcting(actor, body.correction.reason, body.correction.note):
            row = await write()
    register, granted = records.open_register(actor, key, 'view')
    return payload(register, granted, row)


@api.post('/months/{month}/close', responses=ERRORS)
async def close_month(month: str = Path_(pattern=r'^\d{4}-\d{2}$'), actor: Actor = Depends(actor_of)) -> dict[str, Any]:
    """月结: the leadership role closes an ended month; its rows become read-only."""
    table = await pay.close_month(actor, month)
    return {'month': month, 'people': len(table['rows'])}


@api.get('/reports/{name}', responses=ERRORS)
async def report(name: str, month: str = Query(pattern=r'^\d{4}-\d{2}$'),
                 actor: Actor = Depends(actor_of)) -> dict[str, Any]:
    return jsonable_encoder(await reports.run(actor, name, month))


@api.delete('/registers/{key}/rows/{row_id}', status_code=204, responses=ERRORS)
async def delete_row(key: str, row_id: int, actor: Actor = Depends(actor_of)) -> Response:
    await records.delete_rows(actor, key, [row_id], source='api')
    return Response(status_code=204)


@api.post('/registers/{key}/rows/{row_id}/restore', responses=ERRORS)
async def restore_row(key: str, row_id: int, actor: Actor = Depends(actor_of)) -> dict[str, Any]:
    await records.restore_rows(actor, key, [row_id], source='api')
    return await get_row(key, row_id, actor)


@api.get('/registers/{key}/deleted', responses=ERRORS)
async def recycle_bin(key: str, actor: Actor = Depends(actor_of)) -> list[dict[str, Any]]:
    """The register's recycle bin as the grid's 回收站 shows it (rows deleted and not yet purged, newest first, the
    caller's scope; needs the delete right): id, title, deleted_at, deleted_by, batch. Restore with POST …/restore."""
    return await history.recycle_bin(actor, key)


@api.get('/registers/{key}/export', responses=ERRORS)
async def export_rows(key: str, format: str = Query('xlsx', pattern='^(xlsx|csv)$'), sort: str | None = None,
                      quick: str = Query('', max_length=100), filter: str | None = None, where: str | None = None,
                      actor: Actor = Depends(actor_of)) -> FileResponse:
    query = _query(0, 100, sort, quick, filter, None, where)
    out = uploads.work_file('exports', f'.{format}')
    try:
        result = await export.export(actor, key, query, out, fmt=format)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    media = 'text/csv' if format == 'csv' else \
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
    return FileResponse(result.path, media_type=media, filename=result.filename,      # deleted once sent
                        background=BackgroundTask(result.path.unlink, missing_ok=True))


@api.post('/registers/{key}/rows/{row_id}/files/{field}', responses=ERRORS)
async def upload_files(key: str, row_id: int, field: str, request: Request, actor: Actor = Depends(actor_of)):
    """Add files to a row's attachment field: multipart/form-data, one part per file (any part name). Answers
    {row, added, refused}: 200 when a file was added, 422 when all were refused, 413 at a file over the limit."""
    outcome = await files_api.receive(request, actor, key, row_id, field, 'api')
    return outcome if isinstance(outcome, Response) else files_api.answer(actor, key, outcome)


@api.get('/registers/{key}/rows/{row_id}/files/{field}/{sha}', responses=ERRORS)
async def download_file(key: str, row_id: int, field: str, sha: str = Path_(pattern='^[0-9a-f]{64}$'),
                        thumb: bool = False, actor: Actor = Depends(actor_of)):
    """A file of a row's attachment field (or its thumbnail, ?thumb=true), if you may see that row and column."""
    path, desc = await records.attach.open_file(actor, key, row_id, field, sha, thumb=thumb)
    return files_api.file_response(path, desc, thumb=thumb)
