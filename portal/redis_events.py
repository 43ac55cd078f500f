"""Change events between portal processes through Redis pub/sub: each process publishes its events and
delivers the others' to its local bus (grids then re-read the rows with their own users' rights)."""
from __future__ import annotations

import asyncio
import json
import logging

from .events import PROCESS_ID, ChangeEvent, EventBus

log = logging.getLogger(__name__)
CHANNEL = 'portal:changes'


class RedisBridge:
    def __init__(self, url: str, bus: EventBus) -> None:
        import redis.asyncio as redis
        self.client = redis.from_url(url)
        self.bus = bus
        self.task: asyncio.Task | None = None
        self.received = 0

    async def start(self) -> None:
        await self.client.ping()
        self.bus.add_forwarder(self.publish)
        self.task = asyncio.ensure_future(self._listen())

    async def publish(self, event: ChangeEvent) -> None:
        await self.client.publish(CHANNEL, json.dumps(event.to_dict(), ensure_ascii=False))

    async def _listen(self) -> None:
        while True:
            try:
                pubsub = self.client.pubsub()
                await pubsub.subscribe(CHANNEL)
                async for message in pubsub.listen():
                    if message.get('type') != 'message':
                        continue
                    event = ChangeEvent.from_dict(json.loads(message['data']))
                    if event.origin != PROCESS_ID:
                        self.received += 1
                        await self.bus.deliver(event)
            except asyncio.CancelledError:
                raise
            except Exception:      # Redis restarted: reconnect, the portal keeps working meanwhile
                log.exception('redis change-event listener failed; retrying in 2 s')
                await asyncio.sleep(2)

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
        await self.client.aclose()
