"""Server-side sessions: a one-time login ticket for one browser, idleness and lifetime, and sessions and tokens
that end when an account is disabled or its password reset or changed."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.errors import PortalError
from portal.people import sessions, tokens, users
from portal.runtime import rt
from portal.store.models import Session

from .conftest import NOW, PASSWORD

STRONG = 'violet-kettle-42'


def at(**delta) -> None:
    rt().clock = lambda: NOW + timedelta(**delta)


async def signed_in(username: str, browser: str = 'browser-1') -> str:
    """The session secret a browser's cookie would hold after logging in."""
    return await sessions.redeem(await sessions.begin(username, browser=browser), browser)


@pytest.fixture
def notices(engine) -> list[str]:
    heard: list[str] = []
    rt().bus.on_sessions_ended(heard.append)
    return heard


async def test_a_login_ticket_is_redeemed_once_by_its_own_browser_within_a_minute(engine):
    ticket = await sessions.begin('cs', browser='browser-1', ip='10.0.0.5')
    assert await sessions.redeem(ticket, 'browser-2') is None                  # someone else's browser: refused
    secret = await sessions.redeem(ticket, 'browser-1')
    assert secret and secret != ticket and await sessions.redeem(ticket, 'browser-1') is None   # once only
    state = await sessions.check(secret)
    assert state.ok and state.username == 'cs' and state.key == sessions.digest(secret)
    assert not await Session.exists(key=ticket) and not await Session.exists(key=secret)       # digests only
    late = await sessions.begin('cs', browser='browser-1')
    at(seconds=61)
    assert await sessions.redeem(late, 'browser-1') is None
    assert (await sessions.check(ticket)).state == 'none' and (await sessions.check(None)).state == 'none'


async def test_idle_sessions_end_and_activity_keeps_them(engine, notices):
    secret = await signed_in('cs')
    at(minutes=29)
    assert (await sessions.check(secret)).ok                                    # activity at 29 min ...
    at(minutes=58)
    assert (await sessions.check(secret, touch=False)).ok                       # ... keeps it until 59
    at(minutes=60)
    assert (await sessions.check(secret)).state == 'idle' and notices == ['cs']
    at(minutes=61)
    assert (await sessions.check(secret)).state == 'idle'                       # ended for good, not revived


async def test_a_session_ends_after_its_lifetime_however_busy(engine):
    secret = await signed_in('cs')
    for minutes in range(20, 12 * 60 + 1, 20):
        at(minutes=minutes)
        assert (await sessions.check(secret)).ok                                # used every 20 minutes
    at(hours=12, seconds=1)
    assert (await sessions.check(secret)).state == 'expired'


async def test_states_of_many_sessions_do_not_count_as_activity(engine):
    active, idle = await signed_in('cs'), await signed_in('ops')
    at(minutes=20)
    await sessions.check(active)
    at(minutes=40)
    found = await sessions.states([sessions.digest(active), sessions.digest(idle), 'unknown'])
    assert [s.state for s in found.values()] == ['ok', 'idle', 'none']
    assert (await Session.get(key=sessions.digest(active))).seen_at == NOW + timedelta(minutes=20)


async def test_disabling_a_user_ends_their_sessions_and_tokens_everywhere(engine, actors, notices):
    first, second, other = await signed_in('cs'), await signed_in('cs', 'browser-2'), await signed_in('ops')
    _, token = await tokens.create(actors['cs'], 'ERP')
    await users.update_user(actors['admin'], 'cs', active=False)
    assert [(await sessions.check(s)).state for s in (first, second, other)] == ['disabled', 'disabled', 'ok']
    assert notices == ['cs']
    with pytest.raises(PortalError) as err:
        await tokens.authenticate(f'Bearer {token}')
    assert err.value.key == 'token.bad'
    await users.update_user(actors['admin'], 'cs', active=True)                 # enabling again revives nothing
    assert (await sessions.check(first)).state == 'disabled'
    with pytest.raises(PortalError):
        await tokens.authenticate(f'Bearer {token}')


async def test_an_admin_reset_ends_the_sessions_and_tokens(engine, actors):
    secret = await signed_in('cs')
    _, token = await tokens.create(actors['cs'], 'ERP')
    await users.update_user(actors['admin'], 'cs', password=STRONG)
    assert (await sessions.check(secret)).state == 'reset'
    with pytest.raises(PortalError):
        await tokens.authenticate(f'Bearer {token}')
    assert (await users.authenticate('cs', STRONG)).username == 'cs'


async def test_changing_ones_own_password_ends_the_other_sessions_only(engine, actors):
    here, laptop, phone = await signed_in('cs'), await signed_in('cs', 'laptop'), await signed_in('cs', 'phone')
    _, token = await tokens.create(actors['cs'], 'ERP')
    actor = await users.authenticate('cs', PASSWORD)
    from dataclasses import replace
    await users.change_own_password(replace(actor, session=sessions.digest(here)), PASSWORD, STRONG)
    assert [(await sessions.check(s)).state for s in (here, laptop, phone)] == ['ok', 'password', 'password']
    assert await tokens.authenticate(f'Bearer {token}') == 'cs'                 # the user's own tokens stay


async def test_logout_ends_just_that_session(engine):
    one, two = await signed_in('cs'), await signed_in('cs', 'browser-2')
    await sessions.end(one)
    assert (await sessions.check(one)).state == 'logout' and (await sessions.check(two)).ok


async def test_a_user_made_inactive_behind_the_portals_back_loses_the_session_too(engine, notices):
    secret = await signed_in('cs')
    from portal.store.models import User
    await User.filter(username='cs').update(active=False)                     # e.g. by SQL, not through users.py
    assert (await sessions.check(secret)).state == 'disabled' and notices == ['cs']
