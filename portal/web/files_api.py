"""Attached files over HTTP: upload to a row's attachment cell and download a file or its thumbnail — with the
session cookie (`/grid/<key>/rows/<id>/files/<field>`, `/files/<key>/<id>/<field>/<sha>`) and in the REST API with a
bearer token (`/api/v1/registers/<key>/rows/<id>/files/<field>[/<sha>]`); the same service and rights either way.

An upload is read as a stream (multipart, python-multipart's push parser): each part's name is judged when its
headers arrive (a refused kind is never written anywhere), each part goes to a temporary file 0600, and the first
part over the field's size limit ends the request with 413 there and then — the rest of the body is never read.
A download is never shown as a page: images go out inline with their decoded type, everything else as an
attachment of type application/octet-stream, both with nosniff and a sandboxing Content-Security-Policy."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import FileResponse, JSONResponse
from python_multipart.exceptions import ParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from .. import records
from ..errors import PortalError
from ..fields import files as ft
from ..records import attach, payload
from ..schema import Actor
from . import auth

SLACK = 64 * 1024            # multipart framing and headers around the files


class TooBig(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


class _Parts:
    """Callbacks of the push parser: each file part into its own temporary file, limits checked as bytes come."""

    def __init__(self, spec, folder: Path) -> None:
        self.spec, self.folder, self.limit = spec, folder, ft.max_bytes(spec)
        self.parts: list[attach.Incoming] = []
        self.header, self.headers, self.current, self.out = b'', {}, None, None
        self.field, self.value = b'', b''

    def on_header_field(self, data, start, end):
        self.field += data[start:end]

    def on_header_value(self, data, start, end):
        self.value += data[start:end]

    def on_header_end(self):
        self.headers[self.field.lower()] = self.value
        self.field, self.value = b'', b''

    def on_headers_finished(self):
        _, options = parse_options_header(self.headers.get(b'content-disposition', b''))
        self.headers = {}
        filename = options.get(b'filename')
        if filename is None:            # a plain form field: not a file, ignored
            self.current = None
            return
        name = filename.decode('utf-8', 'replace')
        if len(self.parts) >= ft.max_files(self.spec) * 2:
            raise TooBig(name)
        self.current = attach.Incoming(name=name, path=None, size=0, refused=attach.screen(self.spec, name, None))
        if self.current.refused is None:
            fd, path = tempfile.mkstemp(dir=self.folder)
            self.current.path, self.out = Path(path), os.fdopen(fd, 'wb')

    def on_part_data(self, data, start, end):
        if self.current is None:
            return
        self.current.size += end - start
        if self.current.size > self.limit:
            raise TooBig(self.current.name)
        if self.out is not None:
            self.out.write(data[start:end])

    def on_part_end(self):
        if self.out is not None:
            self.out.close()
            self.out = None
        if self.current is not None:
            self.parts.append(self.current)
        self.current = None

    def callbacks(self) -> dict:
        return {name: getattr(self, name) for name in ('on_header_field', 'on_header_value', 'on_header_end',
                                                       'on_headers_finished', 'on_part_data', 'on_part_end')}

    def close(self) -> None:
        if self.out is not None:
            self.out.close()


async def receive(request: Request, actor: Actor, key: str, row_id: int, name: str, source: str):
    """Stream the request's files in, then attach them: the service's outcome, or a JSONResponse refusal."""
    spec, _ = await attach.target(actor, key, row_id, name)         # rights first: nothing is read before
    lang = actor.lang
    kind, options = parse_options_header(request.headers.get('content-type', ''))
    boundary = options.get(b'boundary')
    if kind != b'multipart/form-data' or not boundary:
        return JSONResponse({'detail': 'multipart/form-data expected'}, status_code=400)
    length = request.headers.get('content-length', '')
    if length.isdigit() and int(length) > ft.max_files(spec) * ft.max_bytes(spec) + SLACK:
        return _too_big(spec, '', lang)
    folder = Path(tempfile.mkdtemp(prefix='portal-files-'))
    parts = _Parts(spec, folder)
    try:
        parser = MultipartParser(boundary, parts.callbacks())
        try:
            async for chunk in request.stream():
                parser.write(chunk)
            parser.finalize()
        except TooBig as exc:
            return _too_big(spec, exc.name, lang)
        except ParseError as exc:
            return JSONResponse({'detail': f'unreadable multipart body: {exc}', 'code': 'request.invalid'},
                                status_code=400)
        finally:
            parts.close()
        return await attach.attach(actor, key, row_id, name, parts.parts, source=source)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _too_big(spec, name: str, lang: str) -> JSONResponse:
    refusal = attach._refusal(spec, name or '…', 'attach.too_big')
    return JSONResponse({'detail': refusal.message(lang), 'code': 'attach.too_big',
                         'refused': [{'name': refusal.name, 'message': refusal.message(lang)}]}, status_code=413)


def answer(actor: Actor, key: str, outcome) -> JSONResponse:
    """200 with the saved row when a file was added (refused ones listed beside it); 422 when none was."""
    lang = actor.lang
    refused = [{'name': r.name, 'message': r.message(lang), 'code': r.key} for r in outcome.refused]
    if outcome.row is None:
        detail = '; '.join(r['message'] for r in refused) or 'no file'
        return JSONResponse({'detail': detail, 'code': 'attach.refused', 'refused': refused}, status_code=422)
    register, granted = records.open_register(actor, key, 'view')
    return JSONResponse({'row': payload(register, granted, outcome.row), 'added': outcome.added,
                         'refused': refused}, status_code=200)


def file_response(path: Path, desc: dict, *, thumb: bool) -> FileResponse:
    image = thumb or desc['mime'] in ('image/png', 'image/jpeg', 'image/gif', 'image/webp')
    media = 'image/png' if thumb else desc['mime'] if image else 'application/octet-stream'
    name = quote(desc['name'])
    disposition = f"{'inline' if image else 'attachment'}; filename*=UTF-8''{name}"
    return FileResponse(path, media_type=media, headers={
        'Content-Disposition': disposition, 'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'none'; sandbox", 'Cache-Control': 'private, max-age=3600'})


def refusal(exc: PortalError, lang: str) -> JSONResponse:
    return JSONResponse({'detail': exc.message(lang), 'code': exc.key}, status_code=exc.status)


def register_routes(app) -> None:
    """The session-cookie routes on the NiceGUI app."""
    @app.post('/grid/{key}/rows/{row_id}/files/{name}')
    async def upload(key: str, row_id: int, name: str, request: Request):
        actor = await auth.current_actor(request)
        if actor is None:
            return JSONResponse({'detail': '请重新登录 · please sign in'}, status_code=401)
        try:
            outcome = await receive(request, actor, key, row_id, name, 'form')
        except PortalError as exc:
            return refusal(exc, actor.lang)
        return outcome if isinstance(outcome, JSONResponse) else answer(actor, key, outcome)

    @app.get('/files/{key}/{row_id}/{name}/{sha}')
    async def download(key: str, row_id: int, name: str, sha: str, request: Request, thumb: int = 0):
        actor = await auth.current_actor(request)
        if actor is None:
            return JSONResponse({'detail': '请重新登录 · please sign in'}, status_code=401)
        if not ft.SHA.fullmatch(sha):
            return JSONResponse({'detail': 'no such file'}, status_code=404)
        try:
            path, desc = await attach.open_file(actor, key, row_id, name, sha, thumb=bool(thumb))
        except PortalError as exc:
            return refusal(exc, actor.lang)
        return file_response(path, desc, thumb=bool(thumb))
