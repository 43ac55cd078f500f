"""Login throttle: after repeated failures, per login and per client address, each further attempt waits twice as
long as the one before (capped) — a growing delay for a guesser, never a lock-out of the real owner."""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from ..runtime import rt
from ..store.models import LoginAttempt


def delay_after(failures: int, free: int, cap: int) -> int:
    """Seconds to wait after `failures` failures in a row: none for the first `free`, then 1, 2, 4 … up to `cap`."""
    if failures < free:
        return 0
    return min(cap, 2 ** min(failures - free, 30))


async def wait_seconds(username: str, ip: str | None) -> int:
    """Seconds before an attempt for `username` from `ip` may be checked (0 = now). Attempts that are turned away
    for waiting are not counted, so the wait grows with real guesses only."""
    settings = rt().settings
    now = rt().now()
    since = now - timedelta(minutes=settings.login_window_minutes)
    cap = settings.login_max_delay_seconds
    last_ok = await LoginAttempt.filter(username=username, ok=True, at__gte=since).order_by('-id').first()
    by_login = LoginAttempt.filter(username=username, ok=False, at__gte=since, id__gt=last_ok.id if last_ok else 0)
    waits = [await _remaining(by_login, settings.login_free_failures, cap, now)]
    if ip:        # a success does not reset an address: one valid account must not unlock spraying the others
        by_address = LoginAttempt.filter(ip=ip, ok=False, at__gte=since)
        waits.append(await _remaining(by_address, settings.login_address_free_failures, cap, now))
    return max(waits)


async def record(username: str, ip: str | None, ok: bool) -> None:
    await LoginAttempt.create(username=username, at=rt().now(), ok=ok, ip=ip)


async def _remaining(failures, free: int, cap: int, now: datetime) -> int:
    count = await failures.count()
    delay = delay_after(count, free, cap)
    if not delay:
        return 0
    last = await failures.order_by('-id').first()
    left = (last.at + timedelta(seconds=delay) - now).total_seconds()
    return max(0, math.ceil(left))
