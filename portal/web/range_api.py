"""HTTP endpoints of the grid's cell range (session-authenticated, like the block fetches): the range's cells as
TSV and HTML for the clipboard, and its count / sum / average for the status bar — read on the server with the
grid's query, because the browser holds only the blocks it cached."""
from __future__ import annotations

import orjson
from fastapi import Request
from fastapi.responses import JSONResponse, Response
from nicegui import app

from ..errors import PortalError
from ..records import ranges
from . import grid_api


def register_routes() -> None:
    @app.post('/grid/{key}/range/copy')
    async def range_copy(key: str, request: Request):
        actor, cells = await _prepare(request)
        if cells is None:
            return actor
        try:
            found = await ranges.copy_cells(actor, key, cells)
        except PortalError as exc:
            return JSONResponse({'detail': exc.message(actor.lang)}, status_code=exc.status)
        body = {'rows': len(found), 'tsv': ranges.tsv(found), 'html': ranges.html_table(found)}
        return Response(orjson.dumps(body), media_type='application/json')

    @app.post('/grid/{key}/range/stats')
    async def range_stats(key: str, request: Request):
        actor, cells = await _prepare(request)
        if cells is None:
            return actor
        try:
            return await ranges.summarize(actor, key, cells, whole=bool(request.query_params.get('whole')))
        except PortalError as exc:
            return JSONResponse({'detail': exc.message(actor.lang)}, status_code=exc.status)


async def _prepare(request: Request):
    """(actor, range) of a request, or (the refusal to send, None)."""
    return await grid_api.read_body(request, ranges.CellRange.parse)
