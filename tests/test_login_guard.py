"""Login that resists guessing: a growing wait per login and per address (the owner is never locked out), one
argon2 verification for known and unknown logins, and a password policy that knows the person."""
from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.errors import PortalError
from portal.people import passwords, throttle, users
from portal.runtime import rt
from portal.store.models import User

from .conftest import NOW, PASSWORD

STRONG = 'violet-kettle-42'


async def fail(login: str, ip: str | None = None, times: int = 1) -> PortalError:
    for _ in range(times):
        with pytest.raises(PortalError) as err:
            await users.authenticate(login, 'wrong-guess', ip)
    return err.value


def at(seconds: float) -> None:
    rt().clock = lambda: NOW + timedelta(seconds=seconds)


def test_the_delay_doubles_after_the_free_failures_up_to_the_cap():
    assert [throttle.delay_after(n, 5, 300) for n in range(4, 16)] == [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    assert throttle.delay_after(10 ** 6, 5, 300) == 300


async def test_a_login_waits_longer_after_each_failure_and_the_owner_still_gets_in(engine):
    assert (await fail('cs', times=5)).key == 'login.bad'                 # five free failures
    err = await fail('cs')
    assert err.key == 'login.throttled' and err.message() == '登录失败次数过多,请 1 秒后再试'
    assert err.message('en') == 'Too many failed logins; try again in 1 s'
    at(1)
    assert (await fail('cs')).key == 'login.bad'                         # checked again: the 6th failure
    at(2)
    assert (await fail('cs')).params == {'seconds': 1}                    # now 2 s from the 6th failure
    with pytest.raises(PortalError, match='请 1 秒后再试'):
        await users.authenticate('cs', PASSWORD)                          # the owner waits too ...
    at(3)
    assert (await users.authenticate('cs', PASSWORD)).username == 'cs'   # ... then gets in: no lock-out
    assert (await fail('cs', times=5)).key == 'login.bad'                 # a success starts the count again


async def test_the_wait_is_capped_however_long_the_guessing(engine, monkeypatch):
    monkeypatch.setattr(rt().settings, 'login_max_delay_seconds', 60)
    for step in range(12):
        at(step * 61)
        await fail('admin')
    at(11 * 61 + 30)
    assert (await fail('admin')).params == {'seconds': 30}                # 60 s after the last failure, no more
    at(12 * 61)
    assert (await users.authenticate('admin', PASSWORD)).username == 'admin'


async def test_spraying_one_guess_over_many_logins_is_slowed_per_address(engine):
    logins = [f'someone{i}' for i in range(20)]                          # unknown logins count the same
    for login in logins:
        assert (await fail(login, ip='203.0.113.9')).key == 'login.bad'
    err = await fail('manager', ip='203.0.113.9')
    assert err.key == 'login.throttled'
    assert (await fail('manager', ip='198.51.100.1')).key == 'login.bad'   # other addresses are not held up
    assert (await users.authenticate('manager', PASSWORD, '198.51.100.1')).username == 'manager'
    at(1)
    assert (await users.authenticate('ops', PASSWORD, '203.0.113.9')).username == 'ops'
    assert (await fail('staff', ip='203.0.113.9')).key == 'login.bad'
    assert (await fail('staff2', ip='203.0.113.9')).key == 'login.throttled'  # a success did not reset the address


async def test_unknown_logins_cost_the_same_argon2_verification(engine, monkeypatch):
    seen: list[str] = []
    real = users.verify_password
    monkeypatch.setattr(users, 'verify_password', lambda stored, password: seen.append(stored) or real(stored,
                                                                                                       password))
    for login in ('nobody', 'cs'):
        with pytest.raises(PortalError) as err:
            await users.authenticate(login, 'wrong-guess')
        assert err.value.message() == '用户名或密码错误'
    assert seen[0] == users.dummy_hash() and seen[0].startswith('$argon2id$')
    assert seen[1] == (await User.get(username='cs')).password_hash
    with pytest.raises(PortalError):
        await users.authenticate('nobody', users.dummy_hash())           # no password opens the dummy


@pytest.mark.parametrize('password, why_zh, why_en', [
    ('12345678', '是常见密码或与常见密码相似', 'it is or resembles a common password'),
    ('password', '是常见密码或与常见密码相似', 'it is or resembles a common password'),
    ('xiaoming', '包含了用户名或姓名', 'it contains the login or the name'),
    ('xiaoming2026', '包含了用户名或姓名', 'it contains the login or the name'),
    ('asdfghjkl;', '是键盘上相邻的按键', 'it is a row or pattern of keyboard keys'),
    ('abcdefgh12', '是连续的字母或数字(如 abc、6543)', 'it is a sequence such as abc or 6543'),
])
async def test_weak_passwords_are_refused_saying_why(engine, actors, password, why_zh, why_en):
    with pytest.raises(PortalError) as err:
        await users.create_user(actors['admin'], username='xiaoming', display_name='小明', password=password,
                                roles=['staff'])
    assert why_zh in err.value.message('zh') and '密码太容易被猜到' in err.value.message('zh')
    assert why_en in err.value.message('en') and 'too easy to guess' in err.value.message('en')
    assert not await User.exists(username='xiaoming')


async def test_the_policy_knows_the_display_name(engine):
    with pytest.raises(PortalError, match='包含了用户名或姓名'):
        passwords.check('wangfangfang', username='ops2', display_name='wangfang')
    passwords.check('wangfangfang', username='ops2', display_name='李运营')     # not personal for this one
    with pytest.raises(PortalError, match='密码至少 8 位'):
        passwords.check('Kq7#', username='ops2')


async def test_every_way_of_setting_a_password_applies_the_policy(engine, actors):
    with pytest.raises(PortalError, match='密码太容易被猜到'):
        await users.update_user(actors['admin'], 'cs', password='password1')          # admin reset
    with pytest.raises(PortalError, match='密码太容易被猜到'):
        await users.change_own_password(actors['cs'], PASSWORD, 'cs123456')          # own change
    from types import SimpleNamespace

    from portal.cli import main as cli
    with pytest.raises(PortalError, match='密码太容易被猜到'):                         # python -m portal reset-password
        await cli._reset_password(rt().settings, SimpleNamespace(username='cs', password='11111111'))
    with pytest.raises(PortalError, match='包含了用户名或姓名'):                       # python -m portal create-user
        await cli._create_user(rt().settings, SimpleNamespace(username='lina', password='lina2026!', name='Lina',
                                                              roles='staff'))
    assert (await users.authenticate('cs', PASSWORD)).username == 'cs'              # nothing changed


async def test_a_weak_password_in_use_is_flagged_at_login_and_cleared_by_a_change(engine):
    from portal.store.models import User
    await User.filter(username='staff').update(password_hash=users.hash_password('staff123'))
    actor = await users.authenticate('staff', 'staff123')
    assert actor.password_change_due and (await User.get(username='staff')).password_change_due
    assert not (await users.authenticate('manager', PASSWORD)).password_change_due
    await users.change_own_password(actor, 'staff123', STRONG)
    assert not (await users.authenticate('staff', STRONG)).password_change_due


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gets_an_answer_not_a_crash(password):
    problem = passwords.assess(password, username='cs', display_name='张客服', min_score=3)
    assert problem is None or (problem.message('zh') and problem.message('en'))
