"""Request bodies have a ceiling: an upload larger than the import limit is refused with 413 as soon as its size is
known (Content-Length) or crossed (a chunked body), before NiceGUI spools or parses any of it."""
from __future__ import annotations

from starlette.responses import JSONResponse

SLACK = 1024 * 1024     # multipart framing and the form's other fields around the file


class BodyLimit:
    """A plain ASGI middleware (it sees every request; only bodies are counted)."""

    def __init__(self, app, *, limit_mb: int) -> None:
        self.app, self.limit = app, limit_mb * 1024 * 1024 + SLACK
        self.limit_mb = limit_mb

    async def __call__(self, scope, receive, send) -> None:
        if scope['type'] != 'http' or scope['method'] in ('GET', 'HEAD', 'OPTIONS'):
            await self.app(scope, receive, send)
            return
        length = dict(scope['headers']).get(b'content-length')
        if length is not None and length.isdigit() and int(length) > self.limit:
            await self._refuse(scope, receive, send)
            return
        seen, over, answered, started = 0, False, False, False

        async def counted_receive():
            nonlocal seen, over
            if over:
                return {'type': 'http.disconnect'}
            message = await receive()
            if message['type'] == 'http.request':
                seen += len(message.get('body', b''))
                if seen > self.limit:         # the rest is never read: the app sees a client that went away
                    over = True
                    return {'type': 'http.disconnect'}
            return message

        async def limited_send(message):
            nonlocal answered, started
            if over and not started:          # whatever the app makes of the cut body, the answer is 413
                if not answered and message['type'] == 'http.response.start':
                    answered = True
                    await self._refuse(scope, _nothing, send)
                return
            started = started or message['type'] == 'http.response.start'
            await send(message)
        await self.app(scope, counted_receive, limited_send)
        if over and not answered and not started:
            await self._refuse(scope, _nothing, send)

    async def _refuse(self, scope, receive, send) -> None:
        response = JSONResponse({'detail': f'文件超过 {self.limit_mb} MB 的上限 · the file is over the '
                                           f'{self.limit_mb} MB limit', 'code': 'file.too_big'}, status_code=413)
        await response(scope, receive, send)


async def _nothing() -> dict:
    return {'type': 'http.disconnect'}
