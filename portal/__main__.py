"""python -m portal: the command line (portal/cli), with the app as what `run` serves."""
import asyncio

from .cli.main import main


def serve(settings, **kwargs) -> int:
    asyncio.run(_reachable(settings))    # a wrong URL is refused before the web app loads (seconds on a busy machine)
    from .app import run  # NiceGUI loads only for `run` (importing it takes ~1.5 s a command need not wait)
    return run(settings, **kwargs)


async def _reachable(settings) -> None:
    from .store import db, redis_events
    if settings.redis_url:
        await redis_events.probe(settings.redis_url)
    await db.reachable(settings.db_url)


raise SystemExit(main(serve=serve))
