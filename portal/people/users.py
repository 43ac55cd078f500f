"""Portal users: argon2id password hashes, login with throttling, administration, the user directory."""
from __future__ import annotations

import asyncio
import re
import secrets
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..errors import PermissionDenied, PortalError
from ..i18n import add_messages
from ..runtime import rt
from ..schema import Actor
from ..store import audit
from ..store.models import User
from . import passwords, sessions, throttle, tokens
from .access import has_admin_role, require_admin

add_messages({
    'login.bad': ('用户名或密码错误', 'Wrong user name or password'),
    'login.disabled': ('该账号已停用,请联系管理员', 'This account is disabled; ask an administrator'),
    'login.throttled': ('登录失败次数过多,请 {seconds} 秒后再试', 'Too many failed logins; try again in {seconds} s'),
    'user.exists': ('用户名 "{username}" 已存在', 'The user name "{username}" is taken'),
    'user.bad_name': ('用户名只能包含小写字母、数字、点、下划线和连字符(2–32 位)',
                      'User names use lowercase letters, digits, . _ - (2–32 characters)'),
    'user.unknown_role': ('没有角色 "{role}"', 'No role "{role}"'),
    'user.not_found': ('没有用户 "{username}"', 'No user "{username}"'),
    'user.self_disable': ('不能停用自己的账号', 'You cannot disable your own account'),
    'user.last_admin': ('这样修改后将没有可登录的管理员;请先给另一个启用的账号管理员角色',
                        'After this change no active administrator would remain; give another active account '
                        'the admin role first'),
    'user.wrong_password': ('当前密码不正确', 'The current password is wrong'),
    'user.same_password': ('新密码不能与当前密码相同', 'The new password must differ from the current one'),
})

_hasher = PasswordHasher()   # argon2id with the library's recommended parameters
USERNAME_RE = re.compile(r'^[a-z0-9][a-z0-9._-]{1,31}$')
_directory: dict[str, str] | None = None
_directory_at = 0.0
DIRECTORY_SECONDS = 10.0
_dummy: list[str] = []


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def dummy_hash() -> str:
    """A hash no password matches: unknown logins are verified against it, so they take as long as known ones."""
    if not _dummy:
        _dummy.append(hash_password(secrets.token_urlsafe(24)))
    return _dummy[0]


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def actor_of(user: User) -> Actor:
    return Actor(username=user.username, display_name=user.display_name, roles=tuple(user.roles), lang=user.lang,
                 password_change_due=bool(user.password_change_due))


async def authenticate(username: str, password: str, ip: str | None = None) -> Actor:
    """Check a login; raise PortalError with the reason. Repeated failures (per login and per address) make the
    next attempt wait (portal.throttle). Known and unknown logins cost the same argon2 verification."""
    username = username.strip().lower()
    wait = await throttle.wait_seconds(username, ip)
    if wait:
        raise PortalError('login.throttled', seconds=wait)
    user = await User.get_or_none(username=username)
    stored = user.password_hash if user is not None else dummy_hash()
    ok = await asyncio.to_thread(verify_password, stored, password) and user is not None
    await throttle.record(username, ip, ok)
    if not ok:
        raise PortalError('login.bad')
    if not user.active:
        raise PortalError('login.disabled')
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        await user.save(update_fields=['password_hash'])
    if not user.password_change_due and passwords.assess(password, username=username,
                                                           display_name=user.display_name) is not None:
        user.password_change_due = True          # set before today's policy: asked to change it now
        await user.save(update_fields=['password_change_due'])
    return actor_of(user)


async def get_actor(username: str) -> Actor | None:
    user = await User.get_or_none(username=username, active=True)
    return actor_of(user) if user else None


_actors: dict[str, tuple[float, Actor | None]] = {}
ACTOR_TTL = 5.0


async def cached_actor(username: str) -> Actor | None:
    """get_actor for every request of a session or token, cached a few seconds (a disabled user or changed roles
    take effect within ACTOR_TTL; admin changes in this process take effect at once)."""
    import time
    hit = _actors.get(username)
    if hit and time.monotonic() - hit[0] < ACTOR_TTL:
        return hit[1]
    actor = await get_actor(username)
    _actors[username] = (time.monotonic(), actor)
    return actor


def forget_actor(username: str | None = None) -> None:
    if username is None:
        _actors.clear()
    else:
        _actors.pop(username, None)


async def create_user(by: Actor | None, *, username: str, display_name: str, password: str, roles: list[str],
                      lang: str = 'zh') -> User:
    """Create a user (by an admin; by=None for the CLI and the first start)."""
    catalog = rt().catalog
    if by is not None:
        require_admin(catalog, by)
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise PortalError('user.bad_name')
    passwords.check(password, username=username, display_name=display_name)
    for role in roles:
        if role not in catalog.roles:
            raise PortalError('user.unknown_role', role=role)
    if await User.exists(username=username):
        raise PortalError('user.exists', username=username)
    user = await User.create(username=username, display_name=display_name or username,
                             password_hash=hash_password(password), roles=roles, lang=lang, created_at=rt().now())
    await audit.system_entry(by.username if by else 'system', 'user', f'create {username} roles={",".join(roles)}')
    invalidate_directory()
    return user


async def update_user(by: Actor, username: str, *, roles: list[str] | None = None, active: bool | None = None,
                      password: str | None = None, display_name: str | None = None) -> User:
    catalog = rt().catalog
    require_admin(catalog, by)
    user = await User.get_or_none(username=username)
    if user is None:
        raise PortalError('user.not_found', username=username)
    changes = []
    if roles is not None:
        for role in roles:
            if role not in catalog.roles:
                raise PortalError('user.unknown_role', role=role)
        user.roles = roles
        changes.append(f'roles={",".join(roles)}')
    if active is not None:
        user.active = active
        changes.append(f'active={active}')
    if password is not None:
        passwords.check(password, username=user.username, display_name=display_name or user.display_name)
        user.password_hash = hash_password(password)
        user.password_change_due = False
        changes.append('password reset')
    if display_name:
        user.display_name = display_name
        changes.append(f'name={display_name}')
    if active is False and username == by.username:
        raise PortalError('user.self_disable')
    if (roles is not None or active is False) and not await _admin_remains(catalog, user):
        raise PortalError('user.last_admin')
    user.updated_at = rt().now()
    await user.save()
    ended = 'disabled' if active is False else 'reset' if password is not None else None
    if ended:        # the account changed under its sessions and tokens: they end everywhere, now
        await sessions.end_all(username, ended)
        await tokens.revoke_all(username)
    await audit.system_entry(by.username, 'user', f'update {username}: {"; ".join(changes)}')
    invalidate_directory()
    forget_actor(username)
    return user


async def _admin_remains(catalog, changed: User) -> bool:
    """Whether some active user keeps an admin role once `changed` (not yet saved) is saved."""
    if changed.active and has_admin_role(catalog, changed.roles):
        return True
    others = await User.filter(active=True).exclude(username=changed.username).values_list('roles', flat=True)
    return any(has_admin_role(catalog, roles) for roles in others)


async def change_own_password(actor: Actor, current: str, new: str) -> None:
    """A signed-in user changes their own password: the current one is checked first (throttled like logins); their
    other sessions end, the one it is changed in (actor.session) stays."""
    if actor.preview:
        raise PermissionDenied('perm.preview')
    user = await User.get_or_none(username=actor.username, active=True)
    if user is None:
        raise PortalError('user.not_found', username=actor.username)
    try:
        await authenticate(actor.username, current)
    except PortalError as exc:
        if exc.key == 'login.bad':
            raise PortalError('user.wrong_password') from exc
        raise
    if new == current:
        raise PortalError('user.same_password')
    passwords.check(new, username=user.username, display_name=user.display_name)
    user.password_hash = hash_password(new)
    user.password_change_due = False
    user.updated_at = rt().now()
    await user.save(update_fields=['password_hash', 'password_change_due', 'updated_at'])
    forget_actor(user.username)
    await sessions.end_all(user.username, 'password', keep=actor.session)   # other browsers sign in again
    await audit.system_entry(actor.username, 'user', f'update {actor.username}: password changed by the user')


async def set_language(username: str, lang: str) -> None:
    await User.filter(username=username).update(lang='en' if lang == 'en' else 'zh')


async def list_users() -> list[User]:
    return await User.all().order_by('username')


async def directory() -> dict[str, str]:
    """username -> display name of active users, cached for DIRECTORY_SECONDS: changes made in this process
    invalidate it at once; a user made by the CLI or by another process of the deployment is known within that
    time (it used to be refused as "不是系统用户" until the portal restarted)."""
    global _directory, _directory_at
    if _directory is None or time.monotonic() - _directory_at > DIRECTORY_SECONDS:
        rows = await User.filter(active=True).order_by('username').values('username', 'display_name')
        _directory, _directory_at = {r['username']: r['display_name'] for r in rows}, time.monotonic()
    return _directory


def invalidate_directory() -> None:
    global _directory
    _directory = None
