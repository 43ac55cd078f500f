"""Change events between portal processes through Redis pub/sub: each process publishes its events and
delivers the others' to its local bus (grids then re-read the rows with their own users' rights)."""
from __future__ import annotations

import asyncio
import json
import logging

from ..errors import Unreachable, first_line, redact
from ..events import PROCESS_ID, ChangeEvent, EventBus

log = logging.getLogger(__name__)
# channels carry the deployment id: two portals sharing one Redis never see each other's events
CHANGES = 'portal:{deployment}:changes'
SESSIONS = 'portal:{deployment}:sessions'     # "some sessions of this user ended": other pages re-check theirs
NOTICES = 'portal:{deployment}:notices'       # deployment-wide notices, e.g. "the schema files were reloaded"


async def probe(url: str) -> None:
    """Reach Redis once before serving (a wrong host, port or database number is one clear refusal, not a process
    that looks healthy and answers every request with 500)."""
    import redis.asyncio as redis
    from redis.exceptions import RedisError
    try:
        client = redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    except ValueError as exc:             # not a redis:// URL at all
        raise Unreachable('start.redis_unreachable', url=redact(url), reason=str(exc)) from exc
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        reason = first_line(exc)
        raise Unreachable('start.redis_unreachable', url=redact(url), reason=reason) from exc
    finally:
        await client.aclose()


class RedisBridge:
    def __init__(self, url: str, bus: EventBus, deployment: str) -> None:
        import redis.asyncio as redis
        self.client = redis.from_url(url)
        self.bus = bus
        self.changes = CHANGES.format(deployment=deployment)
        self.sessions = SESSIONS.format(deployment=deployment)
        self.notices = NOTICES.format(deployment=deployment)
        self.task: asyncio.Task | None = None
        self.received = 0

    async def start(self) -> None:
        await self.client.ping()
        self.bus.add_forwarder(self.publish)
        self.bus.add_session_forwarder(self.publish_sessions_ended)
        self.bus.add_notice_forwarder(self.publish_notice)
        self.task = asyncio.ensure_future(self._listen())

    async def publish(self, event: ChangeEvent) -> None:
        await self.client.publish(self.changes, json.dumps(event.to_dict(), ensure_ascii=False))

    async def publish_sessions_ended(self, username: str) -> None:
        await self.client.publish(self.sessions, json.dumps({'username': username, 'origin': PROCESS_ID}))

    async def publish_notice(self, kind: str, data: dict) -> None:
        await self.client.publish(self.notices, json.dumps({'kind': kind, 'data': data, 'origin': PROCESS_ID}))

    async def _listen(self) -> None:
        while True:
            try:
                pubsub = self.client.pubsub()
                await pubsub.subscribe(self.changes, self.sessions, self.notices)
                async for message in pubsub.listen():
                    if message.get('type') == 'message':
                        await self._deliver(message)
            except asyncio.CancelledError:
                raise
            except Exception:      # Redis restarted: reconnect, the portal keeps working meanwhile
                log.exception('redis change-event listener failed; retrying in 2 s')
                await asyncio.sleep(2)

    async def _deliver(self, message: dict) -> None:
        data = json.loads(message['data'])
        if data.get('origin') == PROCESS_ID:
            return
        if message['channel'] in (self.sessions, self.sessions.encode()):
            await self.bus.deliver_sessions_ended(data['username'])
            return
        if message['channel'] in (self.notices, self.notices.encode()):
            await self.bus.deliver_notice(data['kind'], data.get('data') or {})
            return
        self.received += 1
        await self.bus.deliver(ChangeEvent.from_dict(data))

    async def expire_browser_storage(self, prefix: str, seconds: int) -> int:
        """NiceGUI keeps each browser's storage (language, preview role) in Redis without an expiry, and every login
        starts a new browser id: give such keys the session lifetime, so they go with the sessions they served. (A
        write clears a key's expiry; the next pass sets it again.) Returns how many keys got one."""
        count = 0
        async for key in self.client.scan_iter(match=f'{prefix}user-*', count=500):
            if await self.client.ttl(key) == -1:
                count += bool(await self.client.expire(key, seconds))
        return count

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
        await self.client.aclose()
