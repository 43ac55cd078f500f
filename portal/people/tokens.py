"""Per-user API tokens: shown once, stored as a SHA-256 digest (the tokens are 256-bit random, so a fast hash
is the right tool — argon2 would add ~100 ms to every API call), revocable."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from ..errors import PermissionDenied, PortalError
from ..i18n import add_messages
from ..runtime import rt
from ..schema import Actor
from ..store.models import ApiToken

add_messages({
    'token.name': ('令牌名称须为 1–40 个字符', 'A token name has 1–40 characters'),
    'token.missing': ('缺少 API 令牌(Authorization: Bearer …)', 'Missing API token (Authorization: Bearer …)'),
    'token.bad': ('API 令牌无效或已撤销', 'The API token is invalid or revoked'),
})
PREFIX = 'opt_'


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create(actor: Actor, name: str) -> tuple[ApiToken, str]:
    """A new token for the actor; returns (record, the token text — shown once, never stored)."""
    if actor.preview:
        raise PermissionDenied('perm.preview')
    name = (name or '').strip()
    if not 1 <= len(name) <= 40:
        raise PortalError('token.name')
    ident = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = f'{PREFIX}{ident}_{secret}'
    record = await ApiToken.create(username=actor.username, name=name, prefix=ident, token_hash=_digest(token),
                                   created_at=rt().now())
    return record, token


async def list_for(username: str) -> list[dict]:
    return await ApiToken.filter(username=username).order_by('-id').values('id', 'name', 'prefix', 'created_at',
                                                                             'last_used_at', 'revoked_at')


async def revoke(actor: Actor, token_id: int) -> None:
    record = await ApiToken.get_or_none(id=token_id)
    if record is None or (record.username != actor.username and 'admin' not in actor.roles):
        raise PermissionDenied('perm.row')
    record.revoked_at = rt().now()
    await record.save(update_fields=['revoked_at'])


async def revoke_all(username: str) -> int:
    """Revoke every token of a user (on disabling them or an admin's password reset)."""
    return await ApiToken.filter(username=username, revoked_at=None).update(revoked_at=rt().now())


async def authenticate(header: str | None) -> str:
    """The login name a bearer token belongs to; PortalError when it is missing, unknown or revoked."""
    if not header or not header.lower().startswith('bearer '):
        raise PortalError('token.missing')
    token = header.split(None, 1)[1].strip()
    parts = token[len(PREFIX):].split('_', 1) if token.startswith(PREFIX) else []
    if len(parts) != 2:
        raise PortalError('token.bad')
    record = await ApiToken.get_or_none(prefix=parts[0], revoked_at=None)
    if record is None or not hmac.compare_digest(record.token_hash, _digest(token)):
        raise PortalError('token.bad')
    now = rt().now()
    if record.last_used_at is None or (now - record.last_used_at).total_seconds() > 60:
        await ApiToken.filter(id=record.id).update(last_used_at=now)
    return record.username
